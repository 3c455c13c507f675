"""PostgreSQL reads (asyncpg; the caller owns the connection)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from node.model import MessageKind
from node.ports.api import AttemptView, AuditCheck, InboxItem, QueueDepth, StatusView
from node.store.audit import GENESIS, ChainVerifier
from node.store.postgres.connection import translated
from node.store.records import (
    AuditEntry,
    Checkpoint,
    DeliveryRecord,
    FeedbackFact,
    MessageRecord,
    SearchFilter,
    StoreMetrics,
    TraceRecord,
)
from node.store.rows import (
    attempt,
    audit_entry,
    checkpoint,
    delivery_record,
    hop,
    message_record,
    opt_date,
    queue_depth,
    split_organs,
    status_view,
    store_metrics,
    ts,
)

Queries = Mapping[str, str]
Conn = Any


async def with_attempts(conn: Conn, q: Queries, rows: Sequence[Any]) -> tuple[DeliveryRecord, ...]:
    attempts: dict[str, list[AttemptView]] = {}
    if rows:
        for a in await conn.fetch(q["attempts_of_deliveries"], [r["id"] for r in rows]):
            attempts.setdefault(a["delivery_id"], []).append(attempt(a))
    return tuple(delivery_record(r, attempts.get(r["id"], ())) for r in rows)


async def trace(conn: Conn, q: Queries, message_id: str) -> TraceRecord | None:
    row = await conn.fetchrow(q["message"], message_id)
    if row is None:
        return None
    record = message_record(row)
    deliveries = await with_attempts(
        conn, q, await conn.fetch(q["deliveries_of_message"], message_id)
    )
    hops = tuple(hop(r) for r in await conn.fetch(q["hops"], message_id))
    statuses = tuple(
        status_view(r) for r in await conn.fetch(q["statuses_of_document"], record.document_id)
    )
    return TraceRecord(record, hops, deliveries, statuses)


async def search(
    conn: Conn, q: Queries, where: SearchFilter, limit: int, after: int | None
) -> tuple[tuple[MessageRecord, ...], int | None]:
    rows = await conn.fetch(
        q["search"],
        where.state,
        where.organ,
        where.since,
        where.until,
        after,
        limit + 1,
        where.document_id,
        where.status_code,
    )
    records = tuple(message_record(r) for r in rows[:limit])
    return records, (records[-1].seq if len(rows) > limit and records else None)


async def inbox(
    conn: Conn, q: Queries, organs: Sequence[str], limit: int, after: int | None
) -> tuple[tuple[InboxItem, ...], int | None]:
    rows = await conn.fetch(q["inbox"], list(organs), after or 0, limit + 1)
    items = tuple(
        InboxItem(
            id=r["message_id"],
            kind=MessageKind(r["kind"]),
            from_=r["from_organ"],
            document_id=r["document_id"],
            received_at=ts(r["received_at"]),
            status_code=r["status_code"],
        )
        for r in rows[:limit]
    )
    return items, (int(rows[limit - 1]["seq"]) if len(rows) > limit and limit > 0 else None)


async def document_recipients(
    conn: Conn, q: Queries, document_id: str, sender: str
) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for r in await conn.fetch(q["document_recipients"], document_id, sender):
        found.update(dict.fromkeys(split_organs(r["recipients"])))
    return tuple(found)


async def feedback_facts(
    conn: Conn, q: Queries, organ: str | None, since: datetime | None
) -> tuple[FeedbackFact, ...]:
    statuses: dict[tuple[str, str], list[StatusView]] = {}
    for r in await conn.fetch(q["statuses_of_tracked"], organ, since):
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
        for r in await conn.fetch(q["feedback_facts"], organ, since)
    )


async def audit_entries(
    conn: Conn, q: Queries, limit: int, after: int | None
) -> tuple[AuditEntry, ...]:
    return tuple(audit_entry(r) for r in await conn.fetch(q["audit_page"], after or 0, limit))


async def verify_audit(conn: Conn, q: Queries, page: int = 1000) -> AuditCheck:
    verifier = ChainVerifier()
    after = 0
    while True:
        entries = await audit_entries(conn, q, page, after)
        for entry in entries:
            verifier.feed(entry)
        if len(entries) < page:
            return verifier.result()
        after = entries[-1].seq


async def metrics(conn: Conn, q: Queries, now: datetime) -> StoreMetrics:
    counters = {r["name"]: int(r["n"]) for r in await conn.fetch(q["metrics_counters"])}
    oldest = await conn.fetchval(q["metrics_oldest"])
    return store_metrics(counters, oldest, now)


async def compact_counters(conn: Conn, q: Queries) -> None:
    """Fold the counter deltas into one row per name, unless another process is
    at it (its transaction holds the lock; the next scrape or write will do)."""
    async with conn.transaction():
        if await conn.fetchval(q["counters_compact_lock"]):
            await conn.execute(q["counters_compact"])


class PgBody:
    """:class:`node.ports.driven.StoredBody` over chunk rows, fetched one at a time."""

    def __init__(
        self, pool: asyncpg.Pool, q: Queries, message_id: str, size: int, sha256: str
    ) -> None:
        self._pool = pool
        self._q = q
        self._message_id = message_id
        self.size = size
        self.sha256 = sha256

    async def chunks(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        seq = 0
        while True:
            async with translated(f"reading message {self._message_id}"):
                data = await self._pool.fetchval(self._q["blob_chunk"], self._message_id, seq)
            if data is None:
                return
            seq += 1
            for start in range(0, len(data), chunk_size):
                yield bytes(data[start : start + chunk_size])


async def audit_head(conn: Conn, q: Queries) -> tuple[int, str]:
    row = await conn.fetchrow(q["audit_last"])
    return (0, GENESIS) if row is None else (int(row["seq"]), row["hash"])


async def last_audit_of(conn: Conn, q: Queries, action: str) -> AuditEntry | None:
    row = await conn.fetchrow(q["audit_last_of_action"], action)
    return None if row is None else audit_entry(row)


async def checkpoints(
    conn: Conn, q: Queries, limit: int, after: int | None
) -> tuple[Checkpoint, ...]:
    return tuple(checkpoint(r) for r in await conn.fetch(q["checkpoint_page"], after or 0, limit))


async def last_checkpoint(conn: Conn, q: Queries) -> Checkpoint | None:
    row = await conn.fetchrow(q["checkpoint_last"])
    return None if row is None else checkpoint(row)


async def queue_depths(conn: Conn, q: Queries) -> tuple[QueueDepth, ...]:
    return tuple(queue_depth(r) for r in await conn.fetch(q["queue_by_destination"]))


async def audit_of(
    conn: Conn, q: Queries, subjects: Sequence[str], limit: int
) -> tuple[AuditEntry, ...]:
    rows = await conn.fetch(q["audit_of_subjects"], list(subjects), limit)
    return tuple(audit_entry(r) for r in rows)
