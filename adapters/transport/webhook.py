"""Webhook push to a local DMS, and how the DMS checks it really came from its node.

For DMS integrators
===================

The node POSTs each message for your organs to your webhook URL:

- body: the edXML bytes exactly as signed (``Content-Type: application/xml``);
- ``Lienthong-Message-Id``: this node's id for the message (the ``id`` of the
  DMS API: ``GET /api/v1/messages/{id}``, ``POST .../{id}/ack``), identical on
  every redelivery: deduplicate by it;
- ``Lienthong-Kind``: ``document`` or ``status``;
- ``Lienthong-Recipients``: comma-separated organ ids (yours) it is for;
- ``Lienthong-Hops``: JSON array of ``{"node", "at", "direction"}``;
- ``Lienthong-Content-SHA256``: hex SHA-256 of the body;
- ``Lienthong-Signature: t=<unix seconds>,v1=<hex>``, where ``<hex>`` is
  HMAC-SHA256 with your shared secret (UTF-8) over the ASCII string::

      "v1\\n" + t + "\\n" + message_id + "\\n" + kind + "\\n" + recipients + "\\n" + sha256

  (``\\n`` is a line feed; the values are the header values above; ``sha256``
  is lower-case hex). Several ``v1=`` entries may appear (secret rotation):
  accept if any matches.

To accept a delivery: hash the body you received, compare it with
``Lienthong-Content-SHA256``, recompute the HMAC and compare in constant time,
and refuse ``t`` more than 5 minutes from your clock (replays).
:func:`verify_webhook_signature` does exactly that for a DMS written in Python.

Answer 2xx once the message is stored on your side (a repeat of a message id
you already have: 2xx too). 4xx means "never send this again" (the delivery is
dead-lettered and the sender told); 408/429, 5xx or no answer in time: the node
retries with back-off.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from adapters.transport.headers import CONTENT_SHA256, KIND, MESSAGE_ID, RECIPIENTS
from node.errors import LienthongError

SIGNATURE = "Lienthong-Signature"
DEFAULT_TOLERANCE = 300.0
"""Seconds a signature stays acceptable either side of the receiver's clock."""


class WebhookSignatureInvalid(LienthongError):
    kind = "webhook-signature-invalid"
    http_status = 401
    title = "Webhook signature invalid"


def signed_payload(t: int, message_id: str, kind: str, recipients: str, sha256: str) -> bytes:
    return "\n".join(("v1", str(t), message_id, kind, recipients, sha256.lower())).encode()


def _mac(secret: str | bytes, payload: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def sign_headers(secret: str | bytes, headers: Mapping[str, str], now: datetime) -> str:
    """The ``Lienthong-Signature`` value for a transfer carrying ``headers``."""
    t = int(now.timestamp())
    payload = signed_payload(
        t, headers[MESSAGE_ID], headers[KIND], headers[RECIPIENTS], headers[CONTENT_SHA256]
    )
    return f"t={t},v1={_mac(secret, payload)}"


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value.strip()
    raise WebhookSignatureInvalid(f"header {name} is missing")


def _parse_signature(value: str) -> tuple[int, list[str]]:
    t: int | None = None
    macs: list[str] = []
    for part in value.split(","):
        key, sep, item = part.strip().partition("=")
        if not sep:
            continue
        if key == "t" and item.isdigit() and len(item) <= 12:
            t = int(item)
        elif key == "v1":
            macs.append(item.lower())
    if t is None or not macs:
        raise WebhookSignatureInvalid(f"{SIGNATURE} must look like t=<unix seconds>,v1=<hex>")
    return t, macs


def verify_webhook_signature(
    secret: str | bytes,
    headers: Mapping[str, str],
    body_sha256: str,
    now: datetime,
    tolerance: float = DEFAULT_TOLERANCE,
) -> None:
    """Check a webhook delivery; raise :class:`WebhookSignatureInvalid` saying why.

    ``headers``: the request headers (any letter case); ``body_sha256``: hex
    SHA-256 of the body *as received* (computed by the caller while reading it);
    ``now``: the receiver's clock (aware datetime).
    """
    t, macs = _parse_signature(_header(headers, SIGNATURE))
    skew = now.timestamp() - t
    if abs(skew) > tolerance:
        raise WebhookSignatureInvalid(
            f"signature time {t} is {abs(skew):.0f}s away from now (tolerance {tolerance:g}s): "
            "a replay or a wrong clock"
        )
    claimed = _header(headers, CONTENT_SHA256).lower()
    if not hmac.compare_digest(claimed.encode(), body_sha256.lower().encode()):
        raise WebhookSignatureInvalid(f"body sha256 {body_sha256} differs from {CONTENT_SHA256}")
    payload = signed_payload(
        t,
        _header(headers, MESSAGE_ID),
        _header(headers, KIND),
        _header(headers, RECIPIENTS),
        claimed,
    )
    expected = _mac(secret, payload)
    if not any(hmac.compare_digest(expected.encode(), mac.encode()) for mac in macs):
        raise WebhookSignatureInvalid("signature does not match (wrong secret or altered headers)")
