"""VDXP header signatures (adapters.http.vdxp_auth): what verifies, and that
nothing else does, whatever the headers hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.http.vdxp_auth import SIGN_JSON, VdxpAuth, VdxpSystem, signed_headers
from node.errors import BadRequest, Unauthorized
from node.ports.api import DmsPrincipal

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
SECRET = b"0123456789abcdef-secret"
ORGAN = "000.00.00.H41"


class Clock:
    def now(self) -> datetime:
        return NOW


AUTH = VdxpAuth([VdxpSystem(ORGAN, DmsPrincipal("dms", frozenset({ORGAN})), SECRET)], Clock())


def headers(**extra: str) -> dict[str, str]:
    values = {"systemid": ORGAN, "timestamp": "03122026T090000+0700", **extra}
    return signed_headers(values, SECRET)


def test_a_signed_request_verifies_and_reads_case_insensitively() -> None:
    got = AUTH.authenticate(headers(docId="m-1"))
    assert got.system.system_id == ORGAN
    assert got.require("docid") == got.require("docId") == "m-1"
    with pytest.raises(BadRequest, match="XroadVnpt-status is required"):
        got.require("status")


@pytest.mark.parametrize(
    ("stamp", "ok"),
    [
        ("03122026T090000+0700", True),
        ("03122026T020400+0000", True),
        # The SDK's own form: local time, a literal + and milliseconds, taken once
        # per client object: hours old is normal, so only the form is checked.
        ("07122026T070641+0640", True),
        ("01012020T000000+0999", True),
        ("2026-12-03T09:00:00+07:00", False),
        ("03122026T0900", False),
        ("", False),
    ],
)
def test_the_timestamp_form(stamp: str, ok: bool) -> None:
    request = signed_headers({"systemid": ORGAN, "timestamp": stamp}, SECRET)
    if ok:
        AUTH.authenticate(request)
    else:
        with pytest.raises(Unauthorized):
            AUTH.authenticate(request)


def test_names_list_must_match_the_signed_json() -> None:
    request = headers(docId="m-1")
    request["XroadVnpt-sign-header-key"] = "systemid;timestamp"
    with pytest.raises(Unauthorized, match="exactly the names"):
        AUTH.authenticate(request)


def test_a_to_list_compares_as_json() -> None:
    request = headers(to='["000.00.00.G22","000.00.00.G23"]')
    request["XroadVnpt-to"] = '["000.00.00.G22", "000.00.00.G23"]'
    AUTH.authenticate(request)


@given(position=st.integers(min_value=0), char=st.characters(codec="ascii"))
def test_any_change_to_the_signed_json_is_refused(position: int, char: str) -> None:
    request = headers(docId="m-1")
    text = request[SIGN_JSON]
    i = position % len(text)
    if text[i] == char:
        return
    request[SIGN_JSON] = text[:i] + char + text[i + 1 :]
    with pytest.raises(Unauthorized):
        AUTH.authenticate(request)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "XroadVnpt-sign-header-key",
                "XroadVnpt-sign-header",
                "XroadVnpt-hash-header",
                "XroadVnpt-systemid",
                "XroadVnpt-timestamp",
            ]
        ),
        st.one_of(
            st.text(max_size=80),
            st.text(st.characters(codec="utf-8", exclude_categories=()), max_size=20),
            st.just('{"systemid": "000.00.00.H41", "timestamp": 5}'),
            st.just("[1, 2]"),
            st.just('{"systemid": null}'),
        ),
    )
)
def test_arbitrary_headers_are_refused_cleanly(request: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        AUTH.authenticate(request)


def test_window_is_configurable() -> None:
    wide = VdxpAuth(
        [VdxpSystem(ORGAN, DmsPrincipal("dms", frozenset({ORGAN})), SECRET)],
        Clock(),
        window=timedelta(hours=1),
    )
    wide.authenticate(
        signed_headers({"systemid": ORGAN, "timestamp": "03122026T093000+0700"}, SECRET)
    )


def test_the_sdk_signature_prefixed_keys_and_stale_case_variants() -> None:
    """As SDKVXP-2.0.1 signs: the JSON's keys are XroadVnpt- prefixed; headers of
    earlier calls stay in the client's map (docId beside docid)."""
    request = signed_headers(
        {"systemid": ORGAN, "timestamp": "07122026T070641+0640", "docId": "a", "docid": "b"},
        SECRET,
    )
    assert '"XroadVnpt-systemid"' in request[SIGN_JSON]
    signed = AUTH.authenticate(request)
    assert signed.get("systemid") == ORGAN
    with pytest.raises(BadRequest, match="signed more than once with different values"):
        signed.get("docid")
