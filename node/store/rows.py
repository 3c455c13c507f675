"""Row ↔ record conversion shared by both engines.

SQLite keeps timestamps as ISO 8601 UTC text and dates as ``YYYY-MM-DD``;
asyncpg hands back ``datetime``/``date``. The converters below accept both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from node.model import MessageKind
from node.ports.api import AttemptView, QueueDepth, StatusView
from node.ports.driven import Destination, DestinationKind, Direction, Hop, Outcome
from node.store.records import (
    AuditEntry,
    Checkpoint,
    DeliveryRecord,
    DeliveryState,
    MessageRecord,
    MessageState,
    Source,
)

Row = Any
"""sqlite3.Row or asyncpg.Record: both index by column name."""


def iso(at: datetime) -> str:
    """A timestamp as sortable text: UTC, microseconds, fixed width."""
    if at.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def ts(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


def opt_ts(value: datetime | str | None) -> datetime | None:
    return None if value is None else ts(value)


def opt_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def join_organs(organs: Sequence[str]) -> str:
    return ",".join(organs)


def split_organs(text: str) -> tuple[str, ...]:
    return tuple(o for o in text.split(",") if o)


def json_map(value: str | Mapping[str, Any] | None) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return value


def message_record(row: Row) -> MessageRecord:
    return MessageRecord(
        seq=int(row["seq"]),
        id=row["id"],
        origin_id=row["origin_id"],
        kind=MessageKind(row["kind"]),
        document_id=row["document_id"],
        sender=row["sender"],
        recipients=split_organs(row["recipients"]),
        priority=int(row["priority"]),
        status_code=row["status_code"],
        source=Source(row["source"]),
        source_name=row["source_name"],
        received_at=ts(row["received_at"]),
        size=int(row["size"]),
        sha256=row["sha256"],
        state=MessageState(row["state"]),
        due_date=opt_date(row["due_date"]),
        verification=json_map(row["verification"]),
    )


def hop(row: Row) -> Hop:
    return Hop(node=row["node"], at=ts(row["at"]), direction=Direction(row["direction"]))


def attempt(row: Row) -> AttemptView:
    return AttemptView(
        at=ts(row["at"]),
        outcome=Outcome(row["outcome"]),
        detail=row["detail"],
        http_status=row["http_status"],
    )


def destination(row: Row) -> Destination:
    return Destination(DestinationKind(row["kind"]), row["destination"])


def queue_depth(row: Row) -> QueueDepth:
    return QueueDepth(
        destination=destination(row),
        queued=int(row["queued"]),
        in_flight=int(row["in_flight"]),
        held=int(row["held"]),
        oldest_created_at=opt_ts(row["oldest"]),
    )


def delivery_record(row: Row, attempts: Sequence[AttemptView]) -> DeliveryRecord:
    state = DeliveryState(row["state"])
    pending = state is DeliveryState.PENDING
    return DeliveryRecord(
        id=row["id"],
        message_id=row["message_id"],
        destination=destination(row),
        recipients=split_organs(row["recipients"]),
        state=state,
        priority=int(row["priority"]),
        attempts=tuple(attempts),
        created_at=ts(row["created_at"]),
        # pending: when it really comes due (held back, or given back at a stop)
        next_attempt_at=opt_ts(row["due_at"] if pending else row["next_attempt_at"]),
        last_error=row["last_error"],
        held=pending and bool(row["held"]),
    )


def status_view(row: Row) -> StatusView:
    return StatusView(
        recipient=row["recipient"],
        code=row["code"],
        at=ts(row["at"]),
        description=row["description"],
        message_id=row["message_id"],
    )


def audit_entry(row: Row) -> AuditEntry:
    return AuditEntry(
        seq=int(row["seq"]),
        at=ts(row["at"]),
        actor=row["actor"],
        action=row["action"],
        subject=row["subject"],
        details=json_map(row["details"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def checkpoint(row: Row) -> Checkpoint:
    return Checkpoint(
        id=int(row["id"]),
        at=ts(row["at"]),
        entries=int(row["entries"]),
        head=row["head"],
        reason=row["reason"],
        payload=row["payload"],
        signature=row["signature"],
        algorithm=row["algorithm"],
        certificates=row["certificates"],
        timestamp=row["timestamp"],
        timestamp_error=row["timestamp_error"],
    )
