"""The Lienthong-* wire headers round-trip, and bad ones are refused by name."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.transport.headers import (
    BadTransferHeaders,
    message_id_problem,
    parse_transfer_headers,
    transfer_headers,
)
from node.model import MessageKind
from node.ports.driven import Direction, Hop, TransferMeta

SHA = "ab" * 32
organs = st.from_regex(r"[0-9A-Z]{1,3}(\.[0-9A-Z]{1,3}){0,3}", fullmatch=True)
message_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,40}", fullmatch=True)
zones = st.sampled_from([UTC, timezone(timedelta(hours=7))])
hops = st.builds(
    Hop,
    node=st.text(min_size=1, max_size=20),
    at=st.datetimes(timezones=zones),
    direction=st.sampled_from(list(Direction)),
)
metas = st.builds(
    TransferMeta,
    message_id=message_ids,
    kind=st.sampled_from(list(MessageKind)),
    recipients=st.lists(organs, min_size=1, max_size=4).map(tuple),
    hops=st.lists(hops, max_size=5).map(tuple),
)


@given(metas)
def test_round_trip(meta: TransferMeta) -> None:
    headers = transfer_headers(meta, SHA)
    assert all(v.isascii() and "\n" not in v for v in headers.values())
    assert parse_transfer_headers(headers) == (meta, SHA)


def test_header_names_are_case_insensitive() -> None:
    meta = TransferMeta("m-1", MessageKind.STATUS, ("000.00.00.G22",), ())
    lowered = {k.lower(): v for k, v in transfer_headers(meta, SHA.upper()).items()}
    assert parse_transfer_headers(lowered) == (meta, SHA)


def _headers(**changes: str | None) -> dict[str, str]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    meta = TransferMeta(
        "m-1", MessageKind.DOCUMENT, ("000.00.00.G22",), (Hop("n", at, Direction.OUT),)
    )
    headers = transfer_headers(meta, SHA)
    for name, value in changes.items():
        key = "Lienthong-" + name.replace("_", "-")
        if value is None:
            del headers[key]
        else:
            headers[key] = value
    return headers


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Message_Id": None}, "Lienthong-Message-Id is missing"),
        ({"Message_Id": "../x"}, "Lienthong-Message-Id: message id"),
        ({"Kind": "memo"}, "'document' or 'status'"),
        ({"Recipients": " , "}, "names no organ"),
        ({"Recipients": "000.00.00.G22,bad organ"}, "Lienthong-Recipients: organ id"),
        ({"Content_SHA256": "xyz"}, "64 hex digits"),
        ({"Hops": "{"}, "is not JSON"),
        ({"Hops": "{}"}, "must be a JSON array"),
        ({"Hops": '[{"node": "n"}]'}, "Lienthong-Hops[0] must be"),
        ({"Hops": '[{"node": "n", "at": "2026-01-01T00:00:00", "direction": "in"}]'}, "UTC offset"),
        (
            {"Hops": '[{"node": "n", "at": "2026-01-01T00:00:00Z", "direction": "up"}]'},
            ".direction",
        ),
        ({"Hops": '[{"node": "", "at": "2026-01-01T00:00:00Z", "direction": "in"}]'}, ".node"),
        ({"Hops": "[" + "1," * 9000 + "1]"}, "longer than"),
    ],
)
def test_bad_headers_refused_by_name(changes: dict[str, str | None], message: str) -> None:
    with pytest.raises(BadTransferHeaders) as info:
        parse_transfer_headers(_headers(**changes))
    assert message in info.value.detail
    assert info.value.http_status == 400


@given(st.text(max_size=200))
def test_garbage_hops_never_crash(text: str) -> None:
    with contextlib.suppress(BadTransferHeaders):
        parse_transfer_headers(_headers(Hops=text))


@pytest.mark.parametrize("value", ["", ".hidden", "-x", "a/b", "a" * 129, "é"])
def test_message_ids_that_cannot_name_a_file(value: str) -> None:
    assert message_id_problem(value) is not None
