"""The auditor's check of an exported chain against its checkpoints: any
single edit, deletion, truncation or recomputation is found (signatures are
checked elsewhere: here every signature is taken as valid)."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from node.app.cli.audit import ExportUnreadable, read_export
from node.checkpoints import (
    SignatureFacts,
    check_export,
    checkpoint_payload,
    payload_digest,
)
from node.store.audit import GENESIS, entry_hash
from node.store.records import AuditEntry, Checkpoint

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TEXT = st.text(alphabet="abcýđ0123 -", max_size=8)
CONTENT = st.tuples(TEXT, TEXT, TEXT, st.dictionaries(TEXT, st.integers(-5, 5), max_size=2))


def chain(contents: list[tuple[str, str, str, dict[str, int]]]) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for seq, (actor, action, subject, details) in enumerate(contents, 1):
        entries.append(
            _entry(seq, T0 + timedelta(seconds=seq), actor, action, subject, details, prev)
        )
        prev = entries[-1].hash
    return entries


def _entry(
    seq: int, at: datetime, actor: str, action: str, subject: str, details: Any, prev: str
) -> AuditEntry:
    digest = entry_hash(
        seq=seq, at=at, actor=actor, action=action, subject=subject, details=details, prev_hash=prev
    )
    return AuditEntry(seq, at, actor, action, subject, details, prev, digest)


def recomputed(entries: list[AuditEntry]) -> list[AuditEntry]:
    """What someone who can write the database does after an edit: rehash everything."""
    out: list[AuditEntry] = []
    prev = GENESIS
    for seq, e in enumerate(entries, 1):
        out.append(_entry(seq, e.at, e.actor, e.action, e.subject, e.details, prev))
        prev = out[-1].hash
    return out


def checkpoints_over(entries: list[AuditEntry], counts: list[int]) -> list[Checkpoint]:
    made: list[Checkpoint] = []
    for number, count in enumerate(counts, 1):
        head = entries[count - 1].hash if count else GENESIS
        payload = checkpoint_payload(
            node="000.00.00.H41",
            entries=count,
            head=head,
            at=T0,
            reason="interval",
            previous=payload_digest(made[-1].payload) if made else None,
            signer="f" * 64,
        )
        made.append(
            Checkpoint(
                id=number,
                at=T0,
                entries=count,
                head=head,
                reason="interval",
                payload=payload,
                signature="",
                algorithm="rsa-sha256",
                certificates="",
                timestamp="token",
            )
        )
    return made


def valid(_c: Checkpoint, _d: Any) -> SignatureFacts:
    return SignatureFacts()


contents = st.lists(CONTENT, min_size=1, max_size=8)


@given(contents)
def test_an_untouched_export_is_valid(items: list[Any]) -> None:
    entries = chain(items)
    findings = check_export(entries, checkpoints_over(entries, [len(entries)]), valid)
    assert findings.ok, findings.problems
    assert (findings.entries, findings.covered, findings.first_broken_link) == (
        len(entries),
        len(entries),
        None,
    )


@given(contents, st.data())
def test_any_single_edit_is_found(items: list[Any], data: st.DataObject) -> None:
    entries = chain(items)
    checkpoints = checkpoints_over(entries, [len(entries)])
    i = data.draw(st.integers(0, len(entries) - 1))
    field = data.draw(st.sampled_from(["actor", "action", "subject", "details", "at"]))
    old = getattr(entries[i], field)
    new: Any
    if field == "details":
        new = {**old, "tampered": 1}
    elif field == "at":
        new = old + timedelta(microseconds=1)
    else:
        new = old + "x"
    entries[i] = dataclasses.replace(entries[i], **{field: new})

    findings = check_export(entries, checkpoints, valid)

    assert not findings.ok
    assert findings.first_broken_link == i + 1


@given(contents, st.data())
def test_any_single_deletion_is_found(items: list[Any], data: st.DataObject) -> None:
    entries = chain(items)
    checkpoints = checkpoints_over(entries, [len(entries)])
    del entries[data.draw(st.integers(0, len(entries) - 1))]
    assert not check_export(entries, checkpoints, valid).ok


@given(contents, st.data())
def test_a_cut_tail_is_found_even_with_an_intact_chain(
    items: list[Any], data: st.DataObject
) -> None:
    entries = chain(items)
    checkpoints = checkpoints_over(entries, [len(entries)])
    kept = data.draw(st.integers(0, len(entries) - 1))

    findings = check_export(entries[:kept], checkpoints, valid)

    assert findings.first_broken_link is None, "what is left links up"
    assert not findings.ok
    assert any("missing tail" in p for p in findings.problems)


@given(contents, st.data())
def test_a_recomputed_chain_is_found(items: list[Any], data: st.DataObject) -> None:
    entries = chain(items)
    checkpoints = checkpoints_over(entries, [len(entries)])
    i = data.draw(st.integers(0, len(entries) - 1))
    entries[i] = dataclasses.replace(entries[i], actor=entries[i].actor + "mallory")
    if data.draw(st.booleans()) and len(entries) > 1:  # or an entry dropped, then rehashed
        del entries[i]
        entries.append(dataclasses.replace(entries[-1], subject="padding"))

    findings = check_export(recomputed(entries), checkpoints, valid)

    assert findings.first_broken_link is None, "the chain itself is consistent again"
    assert not findings.ok
    assert any("not the one signed" in p for p in findings.problems)


@given(st.lists(CONTENT, min_size=3, max_size=8), st.data())
def test_a_deleted_checkpoint_is_found(items: list[Any], data: st.DataObject) -> None:
    entries = chain(items)
    checkpoints = checkpoints_over(entries, [1, 2, 3])
    gone = data.draw(st.integers(0, 1))  # the last one has no successor to miss it
    del checkpoints[gone]
    findings = check_export(entries, checkpoints, valid)
    assert not findings.ok
    assert any("checkpoint before it is missing" in p for p in findings.problems)


def test_a_checkpoint_whose_columns_differ_from_its_signed_payload_is_refused() -> None:
    entries = chain([("a", "accept", "m", {})] * 3)
    (checkpoint,) = checkpoints_over(entries, [2])
    forged = dataclasses.replace(checkpoint, entries=3, head=entries[2].hash)
    findings = check_export(entries, [forged], valid)
    assert not findings.ok
    assert any("differs from what was signed" in p for p in findings.problems)


def test_a_bad_signature_is_reported_for_its_checkpoint() -> None:
    entries = chain([("a", "accept", "m", {})])
    checkpoints = checkpoints_over(entries, [1])
    findings = check_export(
        entries, checkpoints, lambda _c, _d: SignatureFacts(problems=("bad checkpoint signature",))
    )
    assert findings.problems == ["checkpoint 1: bad checkpoint signature"]
    assert findings.covered == 0


def test_no_checkpoint_is_a_problem_and_an_uncovered_tail_a_warning() -> None:
    entries = chain([("a", "accept", "m", {})] * 3)
    assert not check_export(entries, [], valid).ok
    findings = check_export(entries, checkpoints_over(entries, [2]), valid)
    assert findings.ok
    assert findings.warnings == ["1 entries after the last valid checkpoint are not covered yet"]


LINE = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda d: json.dumps(d),
        st.dictionaries(
            st.sampled_from(["type", "seq", "at", "actor", "details", "id", "entries", "payload"]),
            st.one_of(
                st.none(),
                st.integers(),
                st.text(max_size=5),
                st.sampled_from(["entry", "checkpoint", "header", "2026-12-01T00:00:00+00:00"]),
            ),
        ),
    ),
)


@given(st.lists(LINE, max_size=5))
def test_reading_any_export_file_fails_only_with_a_clear_error(lines: list[str]) -> None:
    header = json.dumps({"type": "header", "format": "lienthong-audit-export", "version": 1})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.jsonl"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        problem = ""
        try:
            read_export(path)
        except ExportUnreadable as exc:
            problem = str(exc)
        assert not problem or problem.startswith(str(path))
