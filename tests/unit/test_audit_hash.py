"""The audit hash in parts (what ``audit_append`` joins in SQL) is the JSON
array the chain has always hashed: ``[seq, at, actor, action, subject,
details, prev_hash]``, keys sorted, no spaces, UTF-8 unescaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from node.store.audit import GENESIS, chained, hashed_middle

TEXT = st.text(alphabet=st.sampled_from([*'aý"\\\n\t/<>&Đ😀,:[]{} ', "\u2028"]), max_size=12)
DETAILS = st.dictionaries(
    TEXT,
    st.one_of(TEXT, st.integers(-5, 10**12), st.booleans(), st.none(), st.lists(TEXT, max_size=3)),
)


@given(
    seq=st.integers(1, 10**9),
    seconds=st.integers(0, 10**9),
    offset=st.integers(-12, 14),
    actor=TEXT,
    action=TEXT,
    subject=TEXT,
    details=DETAILS,
    prev=st.sampled_from([GENESIS, "ab" * 32]),
)
def test_the_parts_join_into_the_whole_array(
    seq: int,
    seconds: int,
    offset: int,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, object],
    prev: str,
) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC).astimezone(timezone(timedelta(hours=offset)))
    at += timedelta(seconds=seconds, microseconds=seconds % 997)
    whole = json.dumps(
        [
            seq,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            subject,
            details,
            prev,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    middle = hashed_middle(at=at, actor=actor, action=action, subject=subject, details=details)
    assert chained(seq, middle, prev) == whole
