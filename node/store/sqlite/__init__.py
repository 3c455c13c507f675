"""The SQLite store engine (the default): WAL, ``synchronous=FULL``, every
sqlite3 call on one dedicated thread, message bytes as fsynced files beside the
database (see :mod:`node.store.sqlite.blobs`)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from node.errors import StoreUnavailable
from node.ports.api import AttemptView, AuditCheck, InboxItem, QueueDepth, StatusView
from node.ports.driven import Destination, Hop, StoredBody
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
from node.store.sqlite import reads, writes
from node.store.sqlite.blobs import FileBlobs, FileBody
from node.store.sqlite.connection import Db, schema_version

T = TypeVar("T")


class SqliteStore:
    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.path = path
        self._db = Db(path, busy_timeout=busy_timeout)
        self._read = Db(path, busy_timeout=busy_timeout, reader=True)
        self._blobs = FileBlobs(path.parent / "blobs")
        self._q = self._db.q

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        await self._db.open()  # migrates: before the reader opens
        try:
            await self._read.open()
            await self._db.run(self._open_blobs)
        except BaseException:
            await self._read.close()
            await self._db.close()
            raise

    def _open_blobs(self, conn: object) -> None:
        del conn
        self._blobs.open(lambda ids: reads.rows_exist(self._db.conn, self._q, ids))

    async def close(self) -> None:
        await self._read.close()
        await self._db.close()
        self._blobs.close()

    async def schema_version(self) -> int:
        return await self._db.run(schema_version)

    @property
    def spool_dir(self) -> Path | None:
        return self._blobs.spool

    # ------------------------------------------------------------------ accepting

    async def find_keys(self, keys: Sequence[str]) -> dict[str, KeyHit]:
        def run(conn: object) -> dict[str, KeyHit]:
            del conn
            found = {}
            for key in keys:
                hit = writes.find_key(self._read.conn, self._q, key)
                if hit is not None:
                    found[key] = hit
            return found

        return await self._read.run(run)

    async def _stage(self, messages: Sequence[NewMessage]) -> None:
        if not messages:
            return
        try:
            await asyncio.to_thread(self._blobs.stage, [(m.id, m.body) for m in messages])
        except OSError as exc:
            await asyncio.to_thread(self._blobs.discard, [m.id for m in messages])
            self._drop_sources(messages)
            raise StoreUnavailable(
                f"cannot write message bytes under {self._blobs.root}: {exc}"
            ) from exc

    @staticmethod
    def _drop_sources(messages: Sequence[NewMessage]) -> None:
        for message in messages:
            if isinstance(message.body, Path):
                message.body.unlink(missing_ok=True)

    async def accept(self, messages: Sequence[NewMessage]) -> AcceptOutcome:
        return await _shielded(self._accept(messages))

    async def _accept(self, messages: Sequence[NewMessage]) -> AcceptOutcome:
        await self._stage(messages)
        ids = [m.id for m in messages]
        try:
            outcome = await self._db.run(writes.accept, self._q, messages)
        except BaseException:
            await asyncio.to_thread(self._blobs.discard, ids)
            raise
        if outcome.duplicate:
            await asyncio.to_thread(self._blobs.discard, ids)
        else:
            await asyncio.to_thread(self._publish, ids)
        return outcome

    def _publish(self, ids: Sequence[str]) -> None:
        for message_id in ids:
            self._blobs.publish(message_id)

    # ------------------------------------------------------------------ delivery work

    async def claim_due_deliveries(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> tuple[ClaimedDelivery, ...]:
        return await self._db.run(
            writes.claim, self._q, owner=owner, now=now, lease_until=now + lease, limit=limit
        )

    async def extend_leases(
        self, delivery_ids: Sequence[str], *, owner: str, until: datetime
    ) -> None:
        await self._db.run(writes.extend_leases, self._q, delivery_ids, owner=owner, until=until)

    async def release(self, delivery_ids: Sequence[str], *, owner: str, now: datetime) -> None:
        await self._db.run(writes.release, self._q, delivery_ids, owner=owner, now=now)

    async def record_attempt(
        self, delivery_id: str, *, owner: str, attempt: AttemptView, next_attempt_at: datetime
    ) -> bool:
        return await self._db.run(
            writes.record_attempt,
            self._q,
            delivery_id,
            owner=owner,
            attempt=attempt,
            next_attempt_at=next_attempt_at,
        )

    async def postpone_destination(
        self, destination: Destination, *, until: datetime, probe: str
    ) -> int:
        return await self._db.run(
            writes.move_destination, self._q, "postpone_destination", destination, until, probe
        )

    async def resume_destination(self, destination: Destination, *, now: datetime) -> int:
        return await self._db.run(
            writes.move_destination, self._q, "resume_destination", destination, now, ""
        )

    async def mark_delivered(
        self, delivery_id: str, *, owner: str, attempt: AttemptView, hop: Hop | None
    ) -> bool:
        return await self._db.run(
            writes.finish,
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
        return await _shielded(self._dead_letter(delivery_id, owner, attempt, notice, audit))

    async def _dead_letter(
        self,
        delivery_id: str,
        owner: str,
        attempt: AttemptView,
        notice: NewMessage | None,
        audit: NewAuditEntry,
    ) -> bool:
        notices = [notice] if notice is not None else []
        await self._stage(notices)
        try:
            done = await self._db.run(
                writes.finish,
                self._q,
                delivery_id,
                owner=owner,
                attempt=attempt,
                state=DeliveryState.DEAD,
                notice=notice,
                audit=audit,
            )
        except BaseException:
            await asyncio.to_thread(self._blobs.discard, [n.id for n in notices])
            raise
        for n in notices:
            if done:
                await asyncio.to_thread(self._blobs.publish, n.id)
            else:
                await asyncio.to_thread(self._blobs.discard, [n.id])
        return done

    async def resend(
        self, message_id: str, *, now: datetime, audit: NewAuditEntry
    ) -> tuple[DeliveryRecord, ...]:
        ids = set(await self._db.run(writes.resend, self._q, message_id, now=now, audit=audit))
        return tuple(d for d in await self.deliveries(message_id) if d.id in ids)

    # ------------------------------------------------------------------ reading

    async def message(self, message_id: str) -> MessageRecord | None:
        return await self._read.run(reads.message, self._q, message_id)

    async def body(self, message_id: str) -> StoredBody:
        record = await self.message(message_id)
        if record is None:
            raise StoreUnavailable(f"message {message_id} is not stored")
        return FileBody(self._blobs, message_id, record.size, record.sha256)

    def body_of(self, message: MessageRecord) -> StoredBody:
        return FileBody(self._blobs, message.id, message.size, message.sha256)

    async def hops(self, message_id: str) -> tuple[Hop, ...]:
        return await self._read.run(reads.hops, self._q, message_id)

    async def trace(self, message_id: str) -> TraceRecord | None:
        return await self._read.run(reads.trace, self._q, message_id)

    async def deliveries(self, message_id: str) -> tuple[DeliveryRecord, ...]:
        return await self._read.run(reads.deliveries, self._q, message_id)

    async def dead_letters(self, *, limit: int) -> tuple[DeliveryRecord, ...]:
        return await self._read.run(reads.dead_letters, self._q, limit)

    async def search(
        self, where: SearchFilter, *, limit: int, after: int | None
    ) -> tuple[tuple[MessageRecord, ...], int | None]:
        return await self._read.run(reads.search, self._q, where, limit, after)

    # ------------------------------------------------------------------ inbox

    async def inbox(
        self, organs: Sequence[str], *, limit: int, after: int | None
    ) -> tuple[tuple[InboxItem, ...], int | None]:
        return await self._read.run(reads.inbox, self._q, organs, limit, after)

    async def in_inbox_of(self, message_id: str, organs: Sequence[str]) -> bool:
        return await self._read.run(reads.in_inbox_of, self._q, message_id, organs)

    async def ack(
        self, message_id: str, organs: Sequence[str], *, at: datetime, actor: str
    ) -> AckResult:
        return await self._db.run(writes.ack, self._q, message_id, organs, at=at, actor=actor)

    # ------------------------------------------------------------------ statuses

    async def status_history(self, document_id: str, recipient: str) -> tuple[StatusView, ...]:
        return await self._read.run(reads.status_history, self._q, document_id, recipient)

    async def document_recipients(self, document_id: str, sender: str) -> tuple[str, ...]:
        return await self._read.run(reads.document_recipients, self._q, document_id, sender)

    async def feedback_facts(
        self, *, organ: str | None, since: datetime | None
    ) -> tuple[FeedbackFact, ...]:
        return await self._read.run(reads.feedback_facts, self._q, organ, since)

    # ------------------------------------------------------------------ audit, metrics

    async def append_audit(self, entry: NewAuditEntry) -> None:
        await self._db.run(writes.append_audit_tx, self._q, entry)

    async def verify_audit(self) -> AuditCheck:
        return await self._read.run(reads.verify_audit, self._q)

    async def audit_entries(self, *, limit: int, after: int | None) -> tuple[AuditEntry, ...]:
        return await self._read.run(reads.audit_entries, self._q, limit, after)

    async def metrics_snapshot(self, *, now: datetime) -> StoreMetrics:
        return await self._read.run(reads.metrics, self._q, now)

    async def queue_depths(self) -> tuple[QueueDepth, ...]:
        return await self._read.run(reads.queue_depths, self._q)

    async def audit_of(self, subjects: Sequence[str], *, limit: int) -> tuple[AuditEntry, ...]:
        return await self._read.run(reads.audit_of, self._q, subjects, limit)

    # ------------------------------------------------------------------ audit checkpoints

    async def audit_head(self) -> tuple[int, str]:
        return await self._read.run(reads.audit_head, self._q)

    async def last_audit_entry(self, action: str) -> AuditEntry | None:
        return await self._read.run(reads.last_audit_of, self._q, action)

    async def add_checkpoint(self, checkpoint: NewCheckpoint) -> int:
        return await self._db.run(writes.insert_checkpoint, self._q, checkpoint)

    async def checkpoints(self, *, limit: int, after: int | None) -> tuple[Checkpoint, ...]:
        return await self._read.run(reads.checkpoints, self._q, limit, after)

    async def last_checkpoint(self) -> Checkpoint | None:
        return await self._read.run(reads.last_checkpoint, self._q)


async def _shielded(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end even if the caller is cancelled: blob files and
    the row that owns them must be committed or discarded together, never left
    half-way by a client that hung up."""
    task = asyncio.ensure_future(work)
    task.add_done_callback(_consume)
    return await asyncio.shield(task)


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()
