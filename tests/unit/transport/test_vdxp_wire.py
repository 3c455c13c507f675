"""The SDK's wire format, byte for byte (values read off SDKVXP-2.0.1 and a JVM)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from adapters.transport.vdxp_wire import (
    gson_string,
    hashmap_order,
    header_values,
    java_string_hash,
    sdk_hash_file,
    sdk_timestamp,
    signed_headers,
)


def test_java_string_hash_matches_the_jvm() -> None:
    assert java_string_hash("") == 0
    # String.hashCode() printed by a JVM (17).
    assert java_string_hash("systemid") == 1976086410
    assert java_string_hash("XroadVnpt-timestamp") == -310113059
    assert java_string_hash("Hà giang") == -1119865552
    assert java_string_hash("a") == 97
    assert java_string_hash("Aa") == java_string_hash("BB")  # the classic collision


def test_hashmap_order_is_the_jvms_for_the_send_edoc_headers() -> None:
    # java.util.HashMap printed by a JVM for these keys, put in this order.
    keys = [
        "timestamp",
        "systemid",
        "Content-Type",
        "from",
        "to",
        "servicetype",
        "messagetype",
        "hash-file",
    ]
    assert hashmap_order(keys) == (
        [
            "systemid",
            "servicetype",
            "messagetype",
            "hash-file",
            "from",
            "to",
            "timestamp",
            "Content-Type",
        ]
    )


def test_hashmap_order_follows_a_resize() -> None:
    keys = [
        "timestamp",
        "systemid",
        "Content-Type",
        "docId",
        "filePath",
        "status",
        "docid",
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
        "g",
    ]
    assert hashmap_order(keys) == (
        [
            "a",
            "systemid",
            "b",
            "c",
            "d",
            "e",
            "docId",
            "docid",
            "f",
            "filePath",
            "g",
            "timestamp",
            "Content-Type",
            "status",
        ]
    )


def test_timestamp_is_local_time_with_a_literal_plus_and_milliseconds() -> None:
    at = datetime(2026, 12, 7, 1, 2, 3, 45_000, tzinfo=UTC)
    stamp = sdk_timestamp(at)
    assert re.fullmatch(r"\d{8}T\d{6}\+\d{4}", stamp)
    assert stamp.endswith("+0045")
    local = at.astimezone()
    assert stamp.startswith(local.strftime("%d%m%YT%H%M%S"))
    plus7 = datetime(2026, 12, 7, 8, 2, 3, 999_999, tzinfo=timezone(timedelta(hours=7)))
    assert sdk_timestamp(plus7).endswith("+0999")


def test_hash_file_drops_the_zero_padding_of_each_byte() -> None:
    digest = "0a" + "00" + "ff" * 30
    assert sdk_hash_file(digest) == "a" + "0" + "ff" * 30


@given(st.binary(max_size=200))
def test_hash_file_is_integer_to_hex_string_of_each_byte(data: bytes) -> None:
    digest = hashlib.sha256(data).digest()
    assert sdk_hash_file(digest.hex()) == "".join(hex(b & 0xFF)[2:] for b in digest)


@given(st.text(max_size=50))
def test_gson_strings_are_json(text: str) -> None:
    assert json.loads(gson_string(text)) == text


def test_gson_keeps_non_ascii_and_escapes_controls() -> None:
    assert gson_string('Hà "x"\n\x01') == '"Hà \\"x\\"\\n\\u0001"'


def test_signed_headers_sign_the_prefixed_json_in_hashmap_order() -> None:
    values = header_values(
        system_id="vxp.saas.03",
        at=datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC),
        content_type="application/json",
        call={"servicetype": "eDoc", "messagetype": "edoc"},
    )
    headers = dict(signed_headers(values, "s3cret"))
    order = hashmap_order(values)
    assert headers["XroadVnpt-sign-header-key"] == ";".join(order)
    signed = headers["XroadVnpt-sign-header"]
    assert list(json.loads(signed)) == ["XroadVnpt-" + k for k in order]
    assert " " not in signed.replace("JAVASDKAgent", "")  # compact, as gson writes it
    expected = hmac.new(b"s3cret", signed.encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-hash-header"] == expected
    assert headers["Content-Type"] == "application/json"
    assert headers["XroadVnpt-Content-Type"] == "application/json"
    assert headers["XroadVnpt-systemid"] == "vxp.saas.03"
    assert headers["User-Agent"] == "JAVASDKAgent/1.0.0 XRoad/VPCP"
    assert headers["XroadVnpt-version"] == "3.0.201608"
