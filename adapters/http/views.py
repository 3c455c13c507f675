"""The JSON shapes of the facades' views (node.ports), shared by the DMS and
admin APIs. The OpenAPI schemas in :mod:`adapters.http.openapi` describe
exactly these; a test keeps the two in step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from node.ports.api import (
    AttemptView,
    AuditCheck,
    DeliveryView,
    InboxItem,
    InboxPage,
    MessageDetail,
    MessagePage,
    MessageSummary,
    OrganStats,
    OverdueItem,
    QueueDepth,
    StatusView,
    Trace,
)
from node.ports.driven import Hop

JsonObject = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def inbox_item(item: InboxItem) -> JsonObject:
    return {
        "id": item.id,
        "kind": item.kind.value,
        "from": item.from_,
        "document_id": item.document_id,
        "received_at": iso(item.received_at),
        "status_code": item.status_code,
    }


def inbox_page(page: InboxPage) -> JsonObject:
    return {"items": [inbox_item(i) for i in page.items], "next_cursor": page.next_cursor}


def hop(value: Hop) -> JsonObject:
    return {"node": value.node, "at": iso(value.at), "direction": value.direction.value}


def attempt(value: AttemptView) -> JsonObject:
    return {
        "at": iso(value.at),
        "outcome": value.outcome.value,
        "detail": value.detail,
        "http_status": value.http_status,
    }


def delivery(value: DeliveryView) -> JsonObject:
    return {
        "id": value.id,
        "destination": {"kind": value.destination.kind.value, "name": value.destination.name},
        "recipients": list(value.recipients),
        "state": value.state,
        "attempts": [attempt(a) for a in value.attempts],
        "next_attempt_at": iso(value.next_attempt_at),
        "last_error": value.last_error,
        "message_id": value.message_id,
        "held": value.held,
    }


def status(value: StatusView) -> JsonObject:
    return {
        "recipient": value.recipient,
        "code": value.code,
        "at": iso(value.at),
        "description": value.description,
        "message_id": value.message_id,
    }


def trace(value: Trace) -> JsonObject:
    return {
        "id": value.id,
        "document_id": value.document_id,
        "kind": value.kind.value,
        "state": value.state,
        "sender": value.sender,
        "recipients": list(value.recipients),
        "received_at": iso(value.received_at),
        "hops": [hop(h) for h in value.hops],
        "deliveries": [delivery(d) for d in value.deliveries],
        "statuses": [status(s) for s in value.statuses],
    }


def summary(value: MessageSummary) -> JsonObject:
    return {
        "id": value.id,
        "kind": value.kind.value,
        "document_id": value.document_id,
        "sender": value.sender,
        "recipients": list(value.recipients),
        "state": value.state,
        "received_at": iso(value.received_at),
        "priority": value.priority,
        "status_code": value.status_code,
    }


def message_page(page: MessagePage) -> JsonObject:
    return {"items": [summary(s) for s in page.items], "next_cursor": page.next_cursor}


def detail(value: MessageDetail) -> JsonObject:
    return {
        "summary": summary(value.summary),
        "trace": trace(value.trace),
        "verification": jsonable(value.verification),
    }


def overdue(value: OverdueItem) -> JsonObject:
    return {
        "document_id": value.document_id,
        "message_id": value.message_id,
        "recipient": value.recipient,
        "expected": value.expected,
        "due_at": iso(value.due_at),
        "last_code": value.last_code,
    }


def organ_stats(value: OrganStats) -> JsonObject:
    return {
        "organ": value.organ,
        "documents": value.documents,
        "arrived": value.arrived,
        "accepted": value.accepted,
        "refused": value.refused,
        "done": value.done,
        "overdue": value.overdue,
        "on_time_rate": value.on_time_rate,
        "completeness": value.completeness,
    }


def queue(value: QueueDepth) -> JsonObject:
    return {
        "destination": {"kind": value.destination.kind.value, "name": value.destination.name},
        "queued": value.queued,
        "in_flight": value.in_flight,
        "held": value.held,
        "oldest_created_at": iso(value.oldest_created_at),
    }


def audit_check(value: AuditCheck) -> JsonObject:
    return {
        "entries": value.entries,
        "intact": value.intact,
        "first_bad_entry": value.first_bad_entry,
        "detail": value.detail,
    }


def jsonable(value: Any) -> Any:
    """A verification report (plain data from signing/) made JSON-safe."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
