"""The store's transaction bodies, written once for every engine: each is an
``async`` function of a :class:`node.store.connector.Tx` running named queries
(see :mod:`node.store.connector`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from node.model import MessageKind
from node.ports.api import AttemptView, AuditCheck, InboxItem, QueueDepth, StatusView
from node.ports.driven import Destination, DestinationKind, Hop
from node.store.audit import (
    GENESIS,
    ChainVerifier,
    canonical_details,
    delivery_entry,
    hashed_middle,
    message_entries,
)
from node.store.connector import Connector, Row, Tx
from node.store.records import (
    AcceptOutcome,
    AckResult,
    AuditEntry,
    Checkpoint,
    ClaimedDelivery,
    DeliveryRecord,
    DeliveryState,
    FeedbackFact,
    KeyHit,
    MessageRecord,
    MessageState,
    NewAuditEntry,
    NewCheckpoint,
    NewMessage,
    SearchFilter,
    StoreMetrics,
    TraceRecord,
)
from node.store.rows import (
    attempt,
    audit_entry,
    checkpoint,
    delivery_record,
    destination,
    hop,
    join_organs,
    message_record,
    opt_date,
    opt_ts,
    queue_depth,
    split_organs,
    status_view,
    store_metrics,
    ts,
)

# ---------------------------------------------------------------------- accepting


async def find_keys(tx: Tx, keys: Sequence[str]) -> dict[str, KeyHit]:
    if not keys:
        return {}
    rows = await tx.fetch("find_keys", keys=list(keys))
    return {
        r["key"]: KeyHit(r["key"], r["message_id"], r["document_id"], r["sha256"]) for r in rows
    }


def first_hit(hits: dict[str, KeyHit], keys: Sequence[str]) -> KeyHit:
    """The hit for the earliest key asked about (keys are given in priority order)."""
    for key in keys:
        if key in hits:
            return hits[key]
    raise LookupError("no hit")


async def accept(tx: Tx, c: Connector, messages: Sequence[NewMessage]) -> AcceptOutcome:
    keys = [key for m in messages for key in m.keys]
    hits = await find_keys(tx, keys)
    if hits:
        return AcceptOutcome(duplicate_of=first_hit(hits, keys))
    for message in messages:
        await insert_message(tx, c, message)
    for message in messages:  # last: the audit chain is locked until the commit
        await audit_message(tx, message)
    return AcceptOutcome()


async def insert_message(tx: Tx, c: Connector, m: NewMessage) -> None:
    at = m.received_at
    await tx.execute(
        "insert_message",
        id=m.id,
        origin_id=m.origin_id,
        kind=m.kind.value,
        document_id=m.document_id,
        sender=m.sender,
        recipients=join_organs(m.recipients),
        priority=m.priority,
        status_code=m.status_code,
        source=m.source.value,
        source_name=m.source_name,
        received_at=at,
        size=m.size,
        sha256=m.sha256,
        state=(MessageState.PENDING if m.deliveries else MessageState.STORED).value,
        due_date=m.due_date,
        verification=json.dumps(dict(m.verification), default=str),
    )
    await c.put_blob(tx, m)
    if m.keys:
        await tx.execute_many("insert_key", [{"key": k, "message_id": m.id} for k in m.keys])
    if m.hops:  # one round trip for all (each row's seq counts the ones before it)
        await tx.execute_many("insert_hop", [_hop_row(m.id, h) for h in m.hops])
    if m.deliveries:
        await tx.execute_many(
            "insert_delivery",
            [
                {
                    "id": d.id,
                    "message_id": m.id,
                    "kind": d.destination.kind.value,
                    "destination": d.destination.name,
                    "recipients": join_organs(d.recipients),
                    "priority": m.priority,
                    "now": at,
                }
                for d in m.deliveries
            ],
        )
    if m.inbox:
        await tx.execute_many(
            "insert_inbox",
            [
                {
                    "message_id": m.id,
                    "organ": e.organ,
                    "client_id": e.client_id,
                    "kind": m.kind.value,
                    "from_organ": m.sender,
                    "document_id": m.document_id,
                    "received_at": at,
                    "status_code": m.status_code,
                }
                for e in m.inbox
            ],
        )
    if m.statuses:
        await tx.execute_many(
            "insert_status",
            [
                {
                    "document_id": s.document_id,
                    "recipient": s.recipient,
                    "code": s.code,
                    "at": s.at,
                    "recorded_at": at,
                    "description": s.description,
                    "message_id": m.id,
                }
                for s in m.statuses
            ],
        )
    if m.tracked:
        await tx.execute_many(
            "insert_tracked",
            [
                {
                    "document_id": m.document_id,
                    "sender": m.sender,
                    "recipient": r,
                    "message_id": m.id,
                    "stored_at": at,
                    "due_date": m.due_date,
                }
                for r in m.tracked
            ],
        )
    for document_id, organ in m.inbox_removals:
        await tx.execute(
            "remove_from_inbox", document_id=document_id, organ=organ, at=at, message_id=m.id
        )


async def insert_hop(tx: Tx, message_id: str, h: Hop) -> None:
    await tx.execute("insert_hop", **_hop_row(message_id, h))


def _hop_row(message_id: str, h: Hop) -> dict[str, Any]:
    return {"message_id": message_id, "node": h.node, "at": h.at, "direction": h.direction.value}


# ---------------------------------------------------------------------- delivery work


async def claim(
    tx: Tx, owner: str, now: datetime, lease_until: datetime, limit: int
) -> tuple[ClaimedDelivery, ...]:
    rows = await tx.fetch("claim_due", owner=owner, now=now, lease_until=lease_until, limit=limit)
    if not rows:
        return ()
    ids = sorted({r["message_id"] for r in rows})
    messages = {r["id"]: message_record(r) for r in await tx.fetch("messages_of_many", ids=ids)}
    hops: dict[str, list[Hop]] = {}
    for r in await tx.fetch("hops_of_many", ids=ids):
        hops.setdefault(r["message_id"], []).append(hop(r))
    claimed = [
        ClaimedDelivery(
            id=r["id"],
            message=messages[r["message_id"]],
            destination=destination(r),
            recipients=split_organs(r["recipients"]),
            attempts=int(r["attempts"]),
            created_at=ts(r["created_at"]),
            hops=tuple(hops.get(r["message_id"], ())),
            window_start=opt_ts(r["window_start"]),
            window_attempts=int(r["window_attempts"]),
        )
        for r in rows
    ]
    claimed.sort(key=lambda d: -d.message.priority)
    return tuple(claimed)


async def extend_leases(tx: Tx, ids: Sequence[str], owner: str, until: datetime) -> None:
    await tx.execute("extend_lease", ids=list(ids), owner=owner, until=until)


async def release(tx: Tx, ids: Sequence[str], owner: str, now: datetime) -> None:
    await tx.execute("release", ids=list(ids), owner=owner, now=now)


async def move_destination(tx: Tx, query: str, where: Destination, at: datetime, probe: str) -> int:
    """Hold back or resume the pending deliveries of one destination."""
    return await tx.execute(
        query, destination=where.name, kind=where.kind.value, until=at, now=at, probe=probe
    )


async def _insert_attempt(tx: Tx, delivery_id: str, seq: int, a: AttemptView) -> None:
    await tx.execute(
        "insert_attempt",
        delivery_id=delivery_id,
        seq=seq,
        at=a.at,
        outcome=a.outcome.value,
        detail=a.detail,
        http_status=a.http_status,
    )


async def record_attempt(
    tx: Tx, delivery_id: str, owner: str, a: AttemptView, next_attempt_at: datetime
) -> bool:
    row = await tx.fetchone(
        "attempt_failed", id=delivery_id, owner=owner, next=next_attempt_at, error=a.detail
    )
    if row is None:
        return False
    await _insert_attempt(tx, delivery_id, int(row["attempts"]), a)
    return True


async def finish(
    tx: Tx,
    c: Connector,
    delivery_id: str,
    owner: str,
    a: AttemptView,
    state: DeliveryState,
    hop_out: Hop | None = None,
    notice: NewMessage | None = None,
    audit: NewAuditEntry | None = None,
) -> bool:
    """Delivered or dead: one transaction with the hop, push marks, notice, audit."""
    row = await tx.fetchone(
        "attempt_finished",
        id=delivery_id,
        owner=owner,
        state=state.value,
        error=None if state is DeliveryState.DELIVERED else a.detail,
        at=a.at,
    )
    if row is None:
        return False
    message_id = row["message_id"]
    await _insert_attempt(tx, delivery_id, int(row["attempts"]), a)
    if hop_out is not None:
        await insert_hop(tx, message_id, hop_out)
    if state is DeliveryState.DELIVERED and row["kind"] != DestinationKind.PEER.value:
        await tx.execute(
            "inbox_pushed", message_id=message_id, client_id=row["destination"], at=a.at
        )
    await tx.execute("refresh_message_state", message_id=message_id)
    if notice is not None:
        await insert_message(tx, c, notice)
        await audit_message(tx, notice)
    if state is DeliveryState.DELIVERED:
        entry = delivery_entry(
            at=a.at,
            message_id=message_id,
            delivery_id=delivery_id,
            kind=row["kind"],
            destination=row["destination"],
            owner=owner,
        )
        await append_audit(tx, entry)
    if audit is not None:
        await append_audit(tx, audit)
    return True


async def resend(
    tx: Tx, message_id: str, now: datetime, audit: NewAuditEntry
) -> tuple[DeliveryRecord, ...]:
    ids = {r["id"] for r in await tx.fetch("resend", message_id=message_id, now=now)}
    if not ids:
        return ()
    await tx.execute("refresh_message_state", message_id=message_id)
    await append_audit(tx, audit)
    rows = await tx.fetch("deliveries_of_message", message_id=message_id)
    return await _with_attempts(tx, [r for r in rows if r["id"] in ids])


# ---------------------------------------------------------------------- inbox


async def ack(
    tx: Tx, message_id: str, organs: Sequence[str], at: datetime, actor: str
) -> AckResult:
    rows = await tx.fetch("inbox_rows_of_message", message_id=message_id, organs=list(organs))
    if not rows:
        return AckResult.NOT_FOUND
    if all(r["acked_at"] is not None for r in rows):
        return AckResult.ALREADY
    await tx.execute("ack", message_id=message_id, organs=list(organs), at=at)
    await append_audit(tx, NewAuditEntry(at, actor, "ack", message_id, {"organs": sorted(organs)}))
    return AckResult.ACKED


async def inbox(
    tx: Tx, organs: Sequence[str], limit: int, after: int | None
) -> tuple[tuple[InboxItem, ...], int | None]:
    rows = await tx.fetch("inbox", organs=list(organs), after=after or 0, limit=limit + 1)
    items = tuple(
        InboxItem(
            id=r["message_id"],
            kind=MessageKind(r["kind"]),
            from_=r["from_organ"],
            document_id=r["document_id"],
            received_at=ts(r["received_at"]),
            status_code=r["status_code"],
            organ=r["organ"],
        )
        for r in rows[:limit]
    )
    return items, (int(rows[limit - 1]["seq"]) if len(rows) > limit and limit > 0 else None)


async def in_inbox_of(tx: Tx, message_id: str, organs: Sequence[str]) -> bool:
    rows = await tx.fetch("inbox_rows_of_message", message_id=message_id, organs=list(organs))
    return bool(rows)


# ---------------------------------------------------------------------- audit


async def append_audit(tx: Tx, entry: NewAuditEntry) -> None:
    """Append inside the caller's transaction; ``audit_lock`` serialises appends
    (SQLite: BEGIN IMMEDIATE already does). ``audit_append`` reads the last
    entry, numbers, links and hashes the new one in the INSERT (a statement
    after the lock, so it sees every entry committed before it)."""
    await tx.execute("audit_lock")
    await tx.execute(
        "audit_append",
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        details=canonical_details(entry.details),
        middle=hashed_middle(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            details=entry.details,
        ),
        genesis=GENESIS,
    )


async def audit_message(tx: Tx, m: NewMessage) -> None:
    for entry in message_entries(m):
        await append_audit(tx, entry)


async def insert_checkpoint(tx: Tx, c: NewCheckpoint) -> int:
    row = await tx.fetchone(
        "checkpoint_insert",
        at=c.at,
        entries=c.entries,
        head=c.head,
        reason=c.reason,
        payload=c.payload,
        signature=c.signature,
        algorithm=c.algorithm,
        certificates=c.certificates,
        timestamp=c.timestamp,
        timestamp_error=c.timestamp_error,
    )
    assert row is not None  # INSERT ... RETURNING
    return int(row["id"])


async def audit_entries(tx: Tx, limit: int, after: int | None) -> tuple[AuditEntry, ...]:
    return tuple(
        audit_entry(r) for r in await tx.fetch("audit_page", after=after or 0, limit=limit)
    )


async def verify_audit(tx: Tx, page: int = 1000) -> AuditCheck:
    verifier = ChainVerifier()
    after = 0
    while True:
        entries = await audit_entries(tx, page, after)
        for entry in entries:
            verifier.feed(entry)
        if len(entries) < page:
            return verifier.result()
        after = entries[-1].seq


async def audit_head(tx: Tx) -> tuple[int, str]:
    row = await tx.fetchone("audit_last")
    return (0, GENESIS) if row is None else (int(row["seq"]), row["hash"])


async def last_audit_of(tx: Tx, action: str) -> AuditEntry | None:
    row = await tx.fetchone("audit_last_of_action", action=action)
    return None if row is None else audit_entry(row)


async def audit_of(tx: Tx, subjects: Sequence[str], limit: int) -> tuple[AuditEntry, ...]:
    rows = await tx.fetch("audit_of_subjects", subjects=list(subjects), limit=limit)
    return tuple(audit_entry(r) for r in rows)


async def checkpoints(tx: Tx, limit: int, after: int | None) -> tuple[Checkpoint, ...]:
    rows = await tx.fetch("checkpoint_page", after=after or 0, limit=limit)
    return tuple(checkpoint(r) for r in rows)


async def last_checkpoint(tx: Tx) -> Checkpoint | None:
    row = await tx.fetchone("checkpoint_last")
    return None if row is None else checkpoint(row)


# ---------------------------------------------------------------------- reading


async def message(tx: Tx, message_id: str) -> MessageRecord | None:
    row = await tx.fetchone("message", id=message_id)
    return None if row is None else message_record(row)


async def hops(tx: Tx, message_id: str) -> tuple[Hop, ...]:
    return tuple(hop(r) for r in await tx.fetch("hops", message_id=message_id))


async def _with_attempts(tx: Tx, rows: Sequence[Row]) -> tuple[DeliveryRecord, ...]:
    attempts: dict[str, list[AttemptView]] = {}
    if rows:
        for a in await tx.fetch("attempts_of_deliveries", ids=[r["id"] for r in rows]):
            attempts.setdefault(a["delivery_id"], []).append(attempt(a))
    return tuple(delivery_record(r, attempts.get(r["id"], ())) for r in rows)


async def deliveries(tx: Tx, message_id: str) -> tuple[DeliveryRecord, ...]:
    return await _with_attempts(tx, await tx.fetch("deliveries_of_message", message_id=message_id))


async def dead_letters(tx: Tx, limit: int) -> tuple[DeliveryRecord, ...]:
    return await _with_attempts(tx, await tx.fetch("dead_letters", limit=limit))


async def trace(tx: Tx, message_id: str) -> TraceRecord | None:
    record = await message(tx, message_id)
    if record is None:
        return None
    statuses = tuple(
        status_view(r)
        for r in await tx.fetch("statuses_of_document", document_id=record.document_id)
    )
    return TraceRecord(
        record, await hops(tx, message_id), await deliveries(tx, message_id), statuses
    )


async def search(
    tx: Tx, where: SearchFilter, limit: int, after: int | None
) -> tuple[tuple[MessageRecord, ...], int | None]:
    rows = await tx.fetch(
        "search",
        state=where.state,
        organ=where.organ,
        since=where.since,
        until=where.until,
        document_id=where.document_id,
        status_code=where.status_code,
        after=after,
        limit=limit + 1,
    )
    records = tuple(message_record(r) for r in rows[:limit])
    return records, (records[-1].seq if len(rows) > limit and records else None)


async def status_history(tx: Tx, document_id: str, recipient: str) -> tuple[StatusView, ...]:
    rows = await tx.fetch("status_history", document_id=document_id, recipient=recipient)
    return tuple(status_view(r) for r in rows)


async def document_recipients(tx: Tx, document_id: str, sender: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for r in await tx.fetch("document_recipients", document_id=document_id, sender=sender):
        found.update(dict.fromkeys(split_organs(r["recipients"])))
    return tuple(found)


async def documents(tx: Tx, document_id: str) -> tuple[MessageRecord, ...]:
    return tuple(message_record(r) for r in await tx.fetch("documents", document_id=document_id))


async def feedback_facts(
    tx: Tx, organ: str | None, since: datetime | None
) -> tuple[FeedbackFact, ...]:
    statuses: dict[tuple[str, str], list[StatusView]] = {}
    for r in await tx.fetch("statuses_of_tracked", organ=organ, since=since):
        statuses.setdefault((r["document_id"], r["recipient"]), []).append(status_view(r))
    return tuple(
        FeedbackFact(
            document_id=r["document_id"],
            message_id=r["message_id"],
            sender=r["sender"],
            recipient=r["recipient"],
            stored_at=ts(r["stored_at"]),
            due_date=opt_date(r["due_date"]),
            statuses=tuple(statuses.get((r["document_id"], r["recipient"]), ())),
        )
        for r in await tx.fetch("feedback_facts", organ=organ, since=since)
    )


async def metrics(tx: Tx, now: datetime) -> StoreMetrics:
    counters = {r["name"]: int(r["n"]) for r in await tx.fetch("metrics_counters")}
    row = await tx.fetchone("metrics_oldest")
    return store_metrics(counters, None if row is None else row["oldest"], now)


async def queue_depths(tx: Tx) -> tuple[QueueDepth, ...]:
    return tuple(queue_depth(r) for r in await tx.fetch("queue_by_destination"))
