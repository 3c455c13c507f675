""":class:`node.store.port.Store`, once, over a :class:`node.store.connector.Connector`
(SQLite or asyncpg): each operation is one transaction body of
:mod:`node.store.tx`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from node.errors import StoreUnavailable
from node.ports.api import AttemptView, AuditCheck, InboxItem, QueueDepth, StatusView
from node.ports.driven import Destination, Hop, StoredBody
from node.store import tx
from node.store.connector import Connector
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

T = TypeVar("T")

COMPACT_EVERY = 1000
"""Accepts between two compactions of the counter deltas (PostgreSQL)."""


class SqlStore:
    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self._c = connector
        self._accepts_since_compaction = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._c!r})"

    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        await self._c.open()

    async def close(self) -> None:
        await self._c.close()

    async def schema_version(self) -> int:
        return await self._c.schema_version()

    @property
    def spool_dir(self) -> Path | None:
        return self._c.spool_dir

    # ------------------------------------------------------------------ accepting

    async def find_keys(self, keys: Sequence[str]) -> dict[str, KeyHit]:
        return await self._c.read(tx.find_keys, keys, quick=True)

    async def accept(self, messages: Sequence[NewMessage]) -> AcceptOutcome:
        try:
            outcome: AcceptOutcome = await _shielded(
                self._stored(messages, tx.accept, self._c, messages)
            )
        except StoreUnavailable as exc:
            # Another process stored the same key meanwhile: answer like it did.
            keys = [key for m in messages for key in m.keys]
            if not keys or not self._c.is_conflict(exc):
                raise
            hits = await self.find_keys(keys)
            if not hits:
                raise
            return AcceptOutcome(duplicate_of=tx.first_hit(hits, keys))
        if not outcome.duplicate:
            await self._count_accept()
        return outcome

    async def _stored(self, messages: Sequence[NewMessage], body: Any, *args: Any) -> Any:
        """A write that stores ``messages``: their bytes staged before it, and
        published (it stored them) or dropped (it did not, or failed) after it."""
        await self._c.stage(messages)
        stored = False
        try:
            result = await self._c.write(body, *args)
            stored = result is True or (isinstance(result, AcceptOutcome) and not result.duplicate)
            return result
        finally:
            await self._c.settle(messages, stored=stored)

    async def _count_accept(self) -> None:
        """Counter deltas are compacted by every scrape, and every COMPACT_EVERY
        accepts too, so that they stay few when nobody scrapes."""
        self._accepts_since_compaction += 1
        if self._accepts_since_compaction >= COMPACT_EVERY:
            self._accepts_since_compaction = 0
            with suppress(StoreUnavailable):  # the accept is committed: answer it
                await self._c.compact_counters()

    # ------------------------------------------------------------------ delivery work

    async def claim_due_deliveries(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> tuple[ClaimedDelivery, ...]:
        return await self._c.write(tx.claim, owner, now, now + lease, limit)

    async def extend_leases(
        self, delivery_ids: Sequence[str], *, owner: str, until: datetime
    ) -> None:
        await self._c.write(tx.extend_leases, delivery_ids, owner, until)

    async def release(self, delivery_ids: Sequence[str], *, owner: str, now: datetime) -> None:
        await self._c.write(tx.release, delivery_ids, owner, now)

    async def record_attempt(
        self, delivery_id: str, *, owner: str, attempt: AttemptView, next_attempt_at: datetime
    ) -> bool:
        return await self._c.write(tx.record_attempt, delivery_id, owner, attempt, next_attempt_at)

    async def postpone_destination(
        self, destination: Destination, *, until: datetime, probe: str
    ) -> int:
        return await self._c.write(
            tx.move_destination, "postpone_destination", destination, until, probe
        )

    async def resume_destination(self, destination: Destination, *, now: datetime) -> int:
        return await self._c.write(tx.move_destination, "resume_destination", destination, now, "")

    async def mark_delivered(
        self, delivery_id: str, *, owner: str, attempt: AttemptView, hop: Hop | None
    ) -> bool:
        return await self._c.write(
            tx.finish, self._c, delivery_id, owner, attempt, DeliveryState.DELIVERED, hop
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
        notices = [notice] if notice is not None else []
        done: bool = await _shielded(
            self._stored(
                notices,
                tx.finish,
                self._c,
                delivery_id,
                owner,
                attempt,
                DeliveryState.DEAD,
                None,
                notice,
                audit,
            )
        )
        return done

    async def resend(
        self, message_id: str, *, now: datetime, audit: NewAuditEntry
    ) -> tuple[DeliveryRecord, ...]:
        return await self._c.write(tx.resend, message_id, now, audit)

    # ------------------------------------------------------------------ reading

    async def message(self, message_id: str) -> MessageRecord | None:
        return await self._c.read(tx.message, message_id, quick=True)

    async def body(self, message_id: str) -> StoredBody:
        record = await self.message(message_id)
        if record is None:
            raise StoreUnavailable(f"message {message_id} is not stored")
        return self._c.body(record)

    def body_of(self, message: MessageRecord) -> StoredBody:
        return self._c.body(message)

    async def hops(self, message_id: str) -> tuple[Hop, ...]:
        return await self._c.read(tx.hops, message_id, quick=True)

    async def trace(self, message_id: str) -> TraceRecord | None:
        return await self._c.read(tx.trace, message_id, consistent=True)

    async def deliveries(self, message_id: str) -> tuple[DeliveryRecord, ...]:
        return await self._c.read(tx.deliveries, message_id, consistent=True)

    async def dead_letters(self, *, limit: int) -> tuple[DeliveryRecord, ...]:
        return await self._c.read(tx.dead_letters, limit, consistent=True)

    async def search(
        self, where: SearchFilter, *, limit: int, after: int | None
    ) -> tuple[tuple[MessageRecord, ...], int | None]:
        return await self._c.read(tx.search, where, limit, after)

    # ------------------------------------------------------------------ inbox

    async def inbox(
        self, organs: Sequence[str], *, limit: int, after: int | None
    ) -> tuple[tuple[InboxItem, ...], int | None]:
        return await self._c.read(tx.inbox, organs, limit, after)

    async def in_inbox_of(self, message_id: str, organs: Sequence[str]) -> bool:
        return await self._c.read(tx.in_inbox_of, message_id, organs, quick=True)

    async def ack(
        self, message_id: str, organs: Sequence[str], *, at: datetime, actor: str
    ) -> AckResult:
        return await self._c.write(tx.ack, message_id, organs, at, actor)

    # ------------------------------------------------------------------ statuses

    async def status_history(self, document_id: str, recipient: str) -> tuple[StatusView, ...]:
        return await self._c.read(tx.status_history, document_id, recipient, quick=True)

    async def document_recipients(self, document_id: str, sender: str) -> tuple[str, ...]:
        return await self._c.read(tx.document_recipients, document_id, sender, quick=True)

    async def documents(self, document_id: str) -> tuple[MessageRecord, ...]:
        return await self._c.read(tx.documents, document_id, quick=True)

    async def feedback_facts(
        self, *, organ: str | None, since: datetime | None
    ) -> tuple[FeedbackFact, ...]:
        return await self._c.read(tx.feedback_facts, organ, since, consistent=True)

    # ------------------------------------------------------------------ audit, metrics

    async def append_audit(self, entry: NewAuditEntry) -> None:
        await self._c.write(tx.append_audit, entry)

    async def verify_audit(self) -> AuditCheck:
        return await self._c.read(tx.verify_audit, consistent=True)

    async def audit_entries(self, *, limit: int, after: int | None) -> tuple[AuditEntry, ...]:
        return await self._c.read(tx.audit_entries, limit, after)

    async def metrics_snapshot(self, *, now: datetime) -> StoreMetrics:
        await self._c.compact_counters()
        return await self._c.read(tx.metrics, now, consistent=True)

    async def queue_depths(self) -> tuple[QueueDepth, ...]:
        return await self._c.read(tx.queue_depths)

    async def audit_of(self, subjects: Sequence[str], *, limit: int) -> tuple[AuditEntry, ...]:
        return await self._c.read(tx.audit_of, subjects, limit)

    # ------------------------------------------------------------------ audit checkpoints

    async def audit_head(self) -> tuple[int, str]:
        return await self._c.read(tx.audit_head)

    async def last_audit_entry(self, action: str) -> AuditEntry | None:
        return await self._c.read(tx.last_audit_of, action)

    async def add_checkpoint(self, checkpoint: NewCheckpoint) -> int:
        return await self._c.write(tx.insert_checkpoint, checkpoint)

    async def checkpoints(self, *, limit: int, after: int | None) -> tuple[Checkpoint, ...]:
        return await self._c.read(tx.checkpoints, limit, after)

    async def last_checkpoint(self) -> Checkpoint | None:
        return await self._c.read(tx.last_checkpoint)


async def _shielded(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` to its end even if the caller is cancelled: message bytes and
    the row that owns them must be committed or discarded together, never left
    half-way by a client that hung up."""
    task = asyncio.ensure_future(work)
    task.add_done_callback(_consume)
    return await asyncio.shield(task)


def _consume(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()
