"""Store records → the facades' plain views, and opaque page cursors."""

from __future__ import annotations

import base64
import binascii

from node.errors import BadRequest, Issue
from node.ports.api import DeliveryView, MessageSummary, Trace
from node.store.records import DeliveryRecord, MessageRecord, TraceRecord

MAX_PAGE = 500


def delivery_view(d: DeliveryRecord) -> DeliveryView:
    return DeliveryView(
        id=d.id,
        destination=d.destination,
        recipients=d.recipients,
        state=d.state.value,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_error=d.last_error,
        message_id=d.message_id,
        held=d.held,
    )


def trace_view(t: TraceRecord) -> Trace:
    m = t.message
    return Trace(
        id=m.id,
        document_id=m.document_id,
        kind=m.kind,
        state=m.state.value,
        sender=m.sender,
        recipients=m.recipients,
        received_at=m.received_at,
        hops=t.hops,
        deliveries=tuple(delivery_view(d) for d in t.deliveries),
        statuses=t.statuses,
    )


def summary(m: MessageRecord) -> MessageSummary:
    return MessageSummary(
        id=m.id,
        kind=m.kind,
        document_id=m.document_id,
        sender=m.sender,
        recipients=m.recipients,
        state=m.state.value,
        received_at=m.received_at,
        priority=m.priority,
        status_code=m.status_code,
    )


def encode_cursor(position: int | None) -> str | None:
    if position is None:
        return None
    return base64.urlsafe_b64encode(f"v1:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        version, _, value = text.partition(":")
        position = int(value)
        if version != "v1" or position < 0:
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_request("cursor", "not a cursor this node handed out") from None
    return position


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise bad_request("limit", f"must be between 1 and {MAX_PAGE}, got {limit}")
    return limit


def bad_request(parameter: str, message: str) -> BadRequest:
    return BadRequest(f"{parameter}: {message}", [Issue(None, parameter, message)])
