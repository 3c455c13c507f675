"""The webhook signature a DMS checks with ``verify_webhook_signature``."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.transport.headers import transfer_headers
from adapters.transport.webhook import (
    SIGNATURE,
    WebhookSignatureInvalid,
    sign_headers,
    verify_webhook_signature,
)
from node.model import MessageKind
from node.ports.driven import TransferMeta

SECRET = "0123456789abcdef-secret"
BODY = b"<edXML>...</edXML>"
BODY_SHA = hashlib.sha256(BODY).hexdigest()
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def signed(secret: str = SECRET, at: datetime = T0) -> dict[str, str]:
    meta = TransferMeta("m-1", MessageKind.DOCUMENT, ("000.00.00.G22", "000.00.01.G22"), ())
    headers = transfer_headers(meta, BODY_SHA)
    headers[SIGNATURE] = sign_headers(secret, headers, at)
    return headers


def test_signature_format() -> None:
    value = signed()[SIGNATURE]
    t, v1 = value.split(",")
    assert t == f"t={int(T0.timestamp())}"
    assert v1.startswith("v1=")
    assert len(v1) == 3 + 64


def test_fresh_signature_accepted_with_any_header_case() -> None:
    headers = {k.upper(): v for k, v in signed().items()}
    verify_webhook_signature(SECRET, headers, BODY_SHA, T0 + timedelta(seconds=30))


def test_bytes_secret_is_the_same_secret() -> None:
    verify_webhook_signature(SECRET.encode(), signed(), BODY_SHA, T0)


@pytest.mark.parametrize("skew", [timedelta(seconds=301), timedelta(seconds=-301)])
def test_replay_outside_tolerance_refused(skew: timedelta) -> None:
    with pytest.raises(WebhookSignatureInvalid, match="a replay or a wrong clock"):
        verify_webhook_signature(SECRET, signed(), BODY_SHA, T0 + skew, tolerance=300)


def test_tolerance_edge_accepted() -> None:
    verify_webhook_signature(SECRET, signed(), BODY_SHA, T0 + timedelta(seconds=300), 300)


def test_wrong_secret_refused() -> None:
    with pytest.raises(WebhookSignatureInvalid, match="does not match"):
        verify_webhook_signature("another-secret-entirely", signed(), BODY_SHA, T0)


def test_body_not_matching_header_refused() -> None:
    other = hashlib.sha256(b"tampered").hexdigest()
    with pytest.raises(WebhookSignatureInvalid, match="differs from Lienthong-Content-SHA256"):
        verify_webhook_signature(SECRET, signed(), other, T0)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Lienthong-Message-Id", "m-2"),
        ("Lienthong-Kind", "status"),
        ("Lienthong-Recipients", "000.00.00.G22"),
    ],
)
def test_altered_header_refused(header: str, value: str) -> None:
    headers = signed()
    headers[header] = value
    with pytest.raises(WebhookSignatureInvalid, match="altered headers"):
        verify_webhook_signature(SECRET, headers, BODY_SHA, T0)


def test_rotation_accepts_any_listed_signature() -> None:
    old = signed("the-old-secret-000")[SIGNATURE]
    new = signed()[SIGNATURE]
    headers = signed()
    headers[SIGNATURE] = f"{old},{new.split(',')[1]}"
    verify_webhook_signature(SECRET, headers, BODY_SHA, T0)
    verify_webhook_signature("the-old-secret-000", headers, BODY_SHA, T0)


def test_missing_signature_refused() -> None:
    headers = signed()
    del headers[SIGNATURE]
    with pytest.raises(WebhookSignatureInvalid, match="Lienthong-Signature is missing"):
        verify_webhook_signature(SECRET, headers, BODY_SHA, T0)


@given(st.text(max_size=120))
def test_any_signature_value_is_refused_cleanly(value: str) -> None:
    headers = signed()
    headers[SIGNATURE] = value
    with pytest.raises(WebhookSignatureInvalid):
        verify_webhook_signature(SECRET, headers, BODY_SHA, T0)


@given(st.text(max_size=80), st.text(max_size=80))
def test_any_header_values_never_crash(message_id: str, sha: str) -> None:
    headers = signed()
    headers["Lienthong-Message-Id"] = message_id
    headers["Lienthong-Content-SHA256"] = sha
    with contextlib.suppress(WebhookSignatureInvalid):
        verify_webhook_signature(SECRET, headers, BODY_SHA, T0)
