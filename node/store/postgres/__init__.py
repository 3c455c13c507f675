"""The PostgreSQL store engine (asyncpg): message bytes as 1 MiB chunk rows
written in the accepting transaction, claims with ``FOR UPDATE SKIP LOCKED``
and leases, so several node processes share one database without a leader
and without a shared filesystem."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from node.errors import StoreUnavailable
from node.ports.api import AttemptView, AuditCheck, InboxItem, QueueDepth, StatusView
from node.ports.driven import Destination, Hop, StoredBody
from node.store.postgres import reads, writes
from node.store.postgres.connection import (
    check_schema_name,
    create_pool,
    describe,
    migrate,
    schema_version,
    translated,
)
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
    NewAuditEntry,
    NewCheckpoint,
    NewMessage,
    SearchFilter,
    StoreMetrics,
    TraceRecord,
)
from node.store.rows import hop, message_record, status_view
from node.store.sqlfiles import load_queries


class PostgresStore:
    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout: float = 10.0,
    ) -> None:
        self._dsn = dsn
        self._schema = check_schema_name(schema) if schema else None
        self._min_size = min_size
        self._max_size = max_size
        self._timeout = connect_timeout
        self._pool: asyncpg.Pool | None = None
        self._q = load_queries("postgres")
        self._where = describe(dsn) + (f" schema {schema}" if schema else "")

    def __repr__(self) -> str:
        return f"PostgresStore({self._where!r})"

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreUnavailable("the PostgreSQL store is not open")
        return self._pool

    @asynccontextmanager
    async def _conn(self, *, tx: bool = True) -> AsyncIterator[Any]:
        async with translated(self._where), self.pool.acquire() as conn:
            if tx:
                async with conn.transaction():
                    yield conn
            else:
                yield conn

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        self._pool = await create_pool(
            self._dsn,
            schema=self._schema,
            min_size=self._min_size,
            max_size=self._max_size,
            connect_timeout=self._timeout,
        )
        try:
            async with self._conn(tx=False) as conn:
                await migrate(conn, self._q["migrate_lock"])
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await pool.close()
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                pool.terminate()

    async def schema_version(self) -> int:
        async with self._conn(tx=False) as conn:
            return await schema_version(conn)

    @property
    def spool_dir(self) -> Path | None:
        return None

    # ------------------------------------------------------------------ accepting

    async def find_keys(self, keys: Sequence[str]) -> dict[str, KeyHit]:
        async with self._conn(tx=False) as conn:
            return await writes.find_keys(conn, self._q, keys)

    async def accept(self, messages: Sequence[NewMessage]) -> AcceptOutcome:
        keys = [key for m in messages for key in m.keys]
        try:
            try:
                async with self._conn() as conn:
                    hits = await writes.find_keys(conn, self._q, keys) if keys else {}
                    if hits:
                        return AcceptOutcome(duplicate_of=_first(hits, keys))
                    for message in messages:
                        await writes.insert_message(conn, self._q, message)
                    for message in messages:
                        await writes.audit_message(conn, self._q, message)
            except StoreUnavailable as exc:
                if not isinstance(exc.__cause__, asyncpg.UniqueViolationError):
                    raise
                # Another process stored the same key meanwhile: answer like it did.
                hits = await self.find_keys(keys)
                if not hits:
                    raise
                return AcceptOutcome(duplicate_of=_first(hits, keys))
            return AcceptOutcome()
        finally:
            for message in messages:
                if isinstance(message.body, Path):
                    message.body.unlink(missing_ok=True)

    # ------------------------------------------------------------------ delivery work

    async def claim_due_deliveries(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> tuple[ClaimedDelivery, ...]:
        async with self._conn() as conn:
            return await writes.claim(
                conn, self._q, owner=owner, now=now, lease_until=now + lease, limit=limit
            )

    async def extend_leases(
        self, delivery_ids: Sequence[str], *, owner: str, until: datetime
    ) -> None:
        async with self._conn() as conn:
            await conn.execute(self._q["extend_lease"], list(delivery_ids), owner, until)

    async def release(self, delivery_ids: Sequence[str], *, owner: str, now: datetime) -> None:
        async with self._conn() as conn:
            await conn.execute(self._q["release"], list(delivery_ids), owner, now)

    async def record_attempt(
        self, delivery_id: str, *, owner: str, attempt: AttemptView, next_attempt_at: datetime
    ) -> bool:
        async with self._conn() as conn:
            return await writes.record_attempt(
                conn,
                self._q,
                delivery_id,
                owner=owner,
                attempt=attempt,
                next_attempt_at=next_attempt_at,
            )

    async def postpone_destination(
        self, destination: Destination, *, until: datetime, probe: str
    ) -> int:
        return await self._move(destination, "postpone_destination", until, probe)

    async def resume_destination(self, destination: Destination, *, now: datetime) -> int:
        return await self._move(destination, "resume_destination", now)

    async def _move(self, destination: Destination, query: str, *args: object) -> int:
        async with self._conn() as conn:
            status = await conn.execute(
                self._q[query], destination.name, destination.kind.value, *args
            )
        return int(status.rsplit(" ", 1)[-1])

    async def mark_delivered(
        self, delivery_id: str, *, owner: str, attempt: AttemptView, hop: Hop | None
    ) -> bool:
        async with self._conn() as conn:
            return await writes.finish(
                conn,
                self._q,
                delivery_id,
                owner=owner,
                attempt=attempt,
                state=DeliveryState.DELIVERED,
                hop_out=hop,
            )

    async def dead_letter(
        self,
        delivery_id: str,
        *,
        owner: str,
        attempt: AttemptView,
        notice: NewMessage | None,
        audit: NewAuditEntry,
    ) -> bool:
        async with self._conn() as conn:
            return await writes.finish(
                conn,
                self._q,
                delivery_id,
                owner=owner,
                attempt=attempt,
                state=DeliveryState.DEAD,
                notice=notice,
                audit=audit,
            )

    async def resend(
        self, message_id: str, *, now: datetime, audit: NewAuditEntry
    ) -> tuple[DeliveryRecord, ...]:
        async with self._conn() as conn:
            ids = set(await writes.resend(conn, self._q, message_id, now=now, audit=audit))
            rows = await conn.fetch(self._q["deliveries_of_message"], message_id)
            return await reads.with_attempts(conn, self._q, [r for r in rows if r["id"] in ids])

    # ------------------------------------------------------------------ reading

    async def message(self, message_id: str) -> MessageRecord | None:
        async with self._conn(tx=False) as conn:
            row = await conn.fetchrow(self._q["message"], message_id)
        return None if row is None else message_record(row)

    async def body(self, message_id: str) -> StoredBody:
        record = await self.message(message_id)
        if record is None:
            raise StoreUnavailable(f"message {message_id} is not stored")
        return reads.PgBody(self.pool, self._q, message_id, record.size, record.sha256)

    def body_of(self, message: MessageRecord) -> StoredBody:
        return reads.PgBody(self.pool, self._q, message.id, message.size, message.sha256)

    async def hops(self, message_id: str) -> tuple[Hop, ...]:
        async with self._conn(tx=False) as conn:
            return tuple(hop(r) for r in await conn.fetch(self._q["hops"], message_id))

    async def trace(self, message_id: str) -> TraceRecord | None:
        async with self._conn() as conn:
            return await reads.trace(conn, self._q, message_id)

    async def deliveries(self, message_id: str) -> tuple[DeliveryRecord, ...]:
        async with self._conn() as conn:
            rows = await conn.fetch(self._q["deliveries_of_message"], message_id)
            return await reads.with_attempts(conn, self._q, rows)

    async def dead_letters(self, *, limit: int) -> tuple[DeliveryRecord, ...]:
        async with self._conn() as conn:
            rows = await conn.fetch(self._q["dead_letters"], limit)
            return await reads.with_attempts(conn, self._q, rows)

    async def search(
        self, where: SearchFilter, *, limit: int, after: int | None
    ) -> tuple[tuple[MessageRecord, ...], int | None]:
        async with self._conn(tx=False) as conn:
            return await reads.search(conn, self._q, where, limit, after)

    # ------------------------------------------------------------------ inbox

    async def inbox(
        self, organs: Sequence[str], *, limit: int, after: int | None
    ) -> tuple[tuple[InboxItem, ...], int | None]:
        async with self._conn(tx=False) as conn:
            return await reads.inbox(conn, self._q, organs, limit, after)

    async def in_inbox_of(self, message_id: str, organs: Sequence[str]) -> bool:
        async with self._conn() as conn:
            rows = await conn.fetch(self._q["inbox_rows_of_message"], message_id, list(organs))
        return bool(rows)

    async def ack(
        self, message_id: str, organs: Sequence[str], *, at: datetime, actor: str
    ) -> AckResult:
        async with self._conn() as conn:
            return await writes.ack(conn, self._q, message_id, organs, at=at, actor=actor)

    # ------------------------------------------------------------------ statuses

    async def status_history(self, document_id: str, recipient: str) -> tuple[StatusView, ...]:
        async with self._conn(tx=False) as conn:
            rows = await conn.fetch(self._q["status_history"], document_id, recipient)
        return tuple(status_view(r) for r in rows)

    async def document_recipients(self, document_id: str, sender: str) -> tuple[str, ...]:
        async with self._conn(tx=False) as conn:
            return await reads.document_recipients(conn, self._q, document_id, sender)

    async def feedback_facts(
        self, *, organ: str | None, since: datetime | None
    ) -> tuple[FeedbackFact, ...]:
        async with self._conn() as conn:
            return await reads.feedback_facts(conn, self._q, organ, since)

    # ------------------------------------------------------------------ audit, metrics

    async def append_audit(self, entry: NewAuditEntry) -> None:
        async with self._conn() as conn:
            await writes.append_audit(conn, self._q, entry)

    async def verify_audit(self) -> AuditCheck:
        async with self._conn() as conn:
            return await reads.verify_audit(conn, self._q)

    async def audit_entries(self, *, limit: int, after: int | None) -> tuple[AuditEntry, ...]:
        async with self._conn(tx=False) as conn:
            return await reads.audit_entries(conn, self._q, limit, after)

    async def metrics_snapshot(self, *, now: datetime) -> StoreMetrics:
        async with self._conn() as conn:
            return await reads.metrics(conn, self._q, now)

    async def queue_depths(self) -> tuple[QueueDepth, ...]:
        async with self._conn(tx=False) as conn:
            return await reads.queue_depths(conn, self._q)

    async def audit_of(self, subjects: Sequence[str], *, limit: int) -> tuple[AuditEntry, ...]:
        async with self._conn(tx=False) as conn:
            return await reads.audit_of(conn, self._q, subjects, limit)

    # ------------------------------------------------------------------ audit checkpoints

    async def audit_head(self) -> tuple[int, str]:
        async with self._conn(tx=False) as conn:
            return await reads.audit_head(conn, self._q)

    async def last_audit_entry(self, action: str) -> AuditEntry | None:
        async with self._conn(tx=False) as conn:
            return await reads.last_audit_of(conn, self._q, action)

    async def add_checkpoint(self, checkpoint: NewCheckpoint) -> int:
        async with self._conn() as conn:
            return await writes.insert_checkpoint(conn, self._q, checkpoint)

    async def checkpoints(self, *, limit: int, after: int | None) -> tuple[Checkpoint, ...]:
        async with self._conn(tx=False) as conn:
            return await reads.checkpoints(conn, self._q, limit, after)

    async def last_checkpoint(self) -> Checkpoint | None:
        async with self._conn(tx=False) as conn:
            return await reads.last_checkpoint(conn, self._q)


def _first(hits: dict[str, KeyHit], keys: Sequence[str]) -> KeyHit:
    """The hit for the earliest key asked about (keys are given in priority order)."""
    for key in keys:
        if key in hits:
            return hits[key]
    raise LookupError("no hit")
