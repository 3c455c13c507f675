"""The store port: a handful of coarse operations, each one transaction.

Implemented once, by :class:`node.store.sqlstore.SqlStore` over a connector
(:mod:`node.store.connector`: SQLite or asyncpg); the same contract suite
(``tests/integration/store``) runs against both. Every driver error becomes
:class:`node.errors.StoreUnavailable` where it enters, and a failed write
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from node.ports.api import AttemptView, AuditCheck, InboxItem, QueueDepth, StatusView
from node.ports.driven import Destination, Hop, StoredBody
from node.store.records import (
    AcceptOutcome,
    AckResult,
    AuditEntry,
    Checkpoint,
    ClaimedDelivery,
    DeliveryRecord,
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


class Store(Protocol):
    # ------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        """Connect, apply pending migrations, sweep leftovers of crashed writes."""
        ...

    async def close(self) -> None: ...

    async def schema_version(self) -> int: ...

    @property
    def spool_dir(self) -> Path | None:
        """A directory on the same filesystem as the blobs, where adapters may
        spool request bodies so that accepting them is a rename (None: anywhere)."""
        ...

    # ------------------------------------------------------------------ accepting

    async def find_keys(self, keys: Sequence[str]) -> dict[str, KeyHit]:
        """The idempotency keys among ``keys`` that are already known."""
        ...

    async def accept(self, messages: Sequence[NewMessage]) -> AcceptOutcome:
        """Store messages with their blobs, hops, deliveries, inbox rows, status
        history and keys — all or nothing. If any key is already known, nothing
        is stored and the first message holding it is returned."""
        ...

    # ------------------------------------------------------------------ delivery work

    async def claim_due_deliveries(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> tuple[ClaimedDelivery, ...]:
        """Lease up to ``limit`` due deliveries (urgent first, then oldest due),
        including in-flight ones whose lease expired."""
        ...

    async def extend_leases(
        self, delivery_ids: Sequence[str], *, owner: str, until: datetime
    ) -> None: ...

    async def release(self, delivery_ids: Sequence[str], *, owner: str, now: datetime) -> None:
        """Give leases back unattempted (graceful stop): due again at ``now``."""
        ...

    async def record_attempt(
        self, delivery_id: str, *, owner: str, attempt: AttemptView, next_attempt_at: datetime
    ) -> bool:
        """A failed attempt; retry at ``next_attempt_at``. False if the lease was lost."""
        ...

    async def postpone_destination(
        self, destination: Destination, *, until: datetime, probe: str
    ) -> int:
        """The destination cannot be reached: its pending deliveries due before
        ``until``, except the ``probe`` delivery, are held back until then (their
        own schedule is kept). The number of rows touched, the probe included."""
        ...

    async def resume_destination(self, destination: Destination, *, now: datetime) -> int:
        """The destination answers again: held-back deliveries go back to their
        own schedule (due ``now`` when that has passed). The number resumed."""
        ...

    async def mark_delivered(
        self, delivery_id: str, *, owner: str, attempt: AttemptView, hop: Hop | None
    ) -> bool: ...

    async def dead_letter(
        self,
        delivery_id: str,
        *,
        owner: str,
        attempt: AttemptView,
        notice: NewMessage | None,
        audit: NewAuditEntry,
    ) -> bool:
        """Give up on a delivery; store the failure notice in the same transaction."""
        ...

    async def resend(
        self, message_id: str, *, now: datetime, audit: NewAuditEntry
    ) -> tuple[DeliveryRecord, ...]:
        """Dead deliveries of the message back to pending, due ``now``."""
        ...

    # ------------------------------------------------------------------ reading

    async def message(self, message_id: str) -> MessageRecord | None: ...

    async def body(self, message_id: str) -> StoredBody: ...

    def body_of(self, message: MessageRecord) -> StoredBody:
        """The body of a message whose record the caller holds (a claimed
        delivery carries it): no query, the bytes are read when streamed."""
        ...

    async def hops(self, message_id: str) -> tuple[Hop, ...]: ...

    async def trace(self, message_id: str) -> TraceRecord | None: ...

    async def deliveries(self, message_id: str) -> tuple[DeliveryRecord, ...]: ...

    async def dead_letters(self, *, limit: int) -> tuple[DeliveryRecord, ...]: ...

    async def search(
        self, where: SearchFilter, *, limit: int, after: int | None
    ) -> tuple[tuple[MessageRecord, ...], int | None]:
        """Newest first; ``after`` is the seq of the last item of the previous page."""
        ...

    # ------------------------------------------------------------------ inbox

    async def inbox(
        self, organs: Sequence[str], *, limit: int, after: int | None
    ) -> tuple[tuple[InboxItem, ...], int | None]:
        """Unacknowledged, not recalled items for ``organs``, oldest first."""
        ...

    async def in_inbox_of(self, message_id: str, organs: Sequence[str]) -> bool:
        """Whether the message was ever put in the inbox of one of ``organs``."""
        ...

    async def ack(
        self, message_id: str, organs: Sequence[str], *, at: datetime, actor: str
    ) -> AckResult: ...

    # ------------------------------------------------------------------ statuses

    async def status_history(self, document_id: str, recipient: str) -> tuple[StatusView, ...]: ...

    async def document_recipients(self, document_id: str, sender: str) -> tuple[str, ...]:
        """The recipients this node stored the document for (any message)."""
        ...

    async def documents(self, document_id: str) -> tuple[MessageRecord, ...]:
        """Every document message stored under this DocumentId, oldest first: the
        original and its updates, recalls and replacements (domain §4), from
        whichever sender; who sent it and who received it (domain §3)."""
        ...

    async def feedback_facts(
        self, *, organ: str | None, since: datetime | None
    ) -> tuple[FeedbackFact, ...]: ...

    # ------------------------------------------------------------------ audit, metrics

    async def append_audit(self, entry: NewAuditEntry) -> None: ...

    async def verify_audit(self) -> AuditCheck: ...

    async def audit_entries(self, *, limit: int, after: int | None) -> tuple[AuditEntry, ...]: ...

    async def metrics_snapshot(self, *, now: datetime) -> StoreMetrics: ...

    async def queue_depths(self) -> tuple[QueueDepth, ...]:
        """Waiting deliveries (pending or in flight) per destination."""
        ...

    async def audit_of(self, subjects: Sequence[str], *, limit: int) -> tuple[AuditEntry, ...]:
        """Entries whose subject is one of ``subjects``, newest first."""
        ...

    # ------------------------------------------------------------------ audit checkpoints

    async def audit_head(self) -> tuple[int, str]:
        """(number of entries, hash of the last one); (0, GENESIS) when empty."""
        ...

    async def last_audit_entry(self, action: str) -> AuditEntry | None:
        """The newest entry with this action (config and key records)."""
        ...

    async def add_checkpoint(self, checkpoint: NewCheckpoint) -> int:
        """Store a signed checkpoint; its id."""
        ...

    async def checkpoints(self, *, limit: int, after: int | None) -> tuple[Checkpoint, ...]:
        """Oldest first; ``after`` is the id of the last one of the previous page."""
        ...

    async def last_checkpoint(self) -> Checkpoint | None: ...
