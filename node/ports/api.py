"""The core's API: what the adapters call (driving side).

The facades (:class:`ExchangeApi` for the DMS and peer APIs, :class:`AdminApi`,
:class:`OpsProbe`), who is calling (principals), the body an adapter spooled,
and the plain-data views the facades answer with. The engine implements them.
The ports the core itself calls are in :mod:`node.ports.driven`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from node.model import MessageKind
from node.modes import AdminRole
from node.ports.driven import Destination, Hop, Outcome, StoredBody, TransferMeta

if TYPE_CHECKING:
    from datetime import date

    from node.report import SupervisionReport

# --------------------------------------------------------------------------- bodies


@dataclass(frozen=True)
class IncomingBody:
    """A request body spooled to a local file by the adapter while it streamed in,
    or, when small, held in memory (``data``; nothing is written at ``path``,
    which still names it in logs).

    Ownership passes to the engine: it moves the file into the store or deletes it.
    """

    path: Path
    size: int
    sha256: str
    data: bytes | None = None

    @property
    def source(self) -> Path | bytes:
        """What to read it from: the bytes in memory, else the file."""
        return self.path if self.data is None else self.data

    @property
    def files(self) -> tuple[Path, ...]:
        """The files it owns (none when it is in memory)."""
        return (self.path,) if self.data is None else ()


# --------------------------------------------------------------------------- who is calling


@dataclass(frozen=True)
class DmsPrincipal:
    """A local DMS authenticated by its bearer token; it speaks for ``organs``."""

    client_id: str
    organs: frozenset[str]


@dataclass(frozen=True)
class PeerPrincipal:
    """Another node, authenticated by its TLS client certificate."""

    peer_id: str
    node_organ: str


@dataclass(frozen=True)
class AdminPrincipal:
    name: str
    role: AdminRole


# --------------------------------------------------------------------------- facade views
#
# Plain data; adapters.http.models derives both their JSON and its schema. A
# field's metadata may give its wire name ("json"; None: not in the body) and
# JSON Schema keywords the type cannot say ("schema").

SHARE: Mapping[str, Any] = {"schema": {"minimum": 0, "maximum": 1}}


@dataclass(frozen=True)
class SubmitResult:
    id: str
    document_id: str
    state: str
    duplicate: bool = field(default=False, metadata={"json": None})
    """Told by the HTTP status (200, not 202), not in the body."""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "document_id": self.document_id, "state": self.state}


@dataclass(frozen=True)
class InboxItem:
    id: str
    kind: MessageKind
    from_: str = field(metadata={"json": "from"})
    document_id: str
    received_at: datetime
    status_code: str | None = None
    organ: str = field(default="", metadata={"json": None})
    """The recipient organ it is listed for (the first of the principal's
    organs it reaches, when it reaches several); /vdxp's ``to``, not in the
    DMS API's JSON."""


@dataclass(frozen=True)
class InboxPage:
    items: tuple[InboxItem, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class AttemptView:
    at: datetime
    outcome: Outcome
    detail: str
    http_status: int | None = None


@dataclass(frozen=True)
class DeliveryView:
    id: str
    destination: Destination
    recipients: tuple[str, ...]
    state: str
    """pending | in-flight | delivered | dead"""
    attempts: tuple[AttemptView, ...]
    next_attempt_at: datetime | None
    last_error: str | None
    message_id: str | None = None
    """The message this delivery carries (lists of dead letters need it to resend)."""
    held: bool = False
    """Waiting behind the probe of an unreachable destination (it comes due at
    ``next_attempt_at``, or at once when the probe gets through)."""


@dataclass(frozen=True)
class StatusView:
    recipient: str
    code: str
    at: datetime
    description: str | None
    message_id: str | None


@dataclass(frozen=True)
class ChainLink:
    """One message of a document's business chain (domain §4): the original
    ("new") or an update, recall or replacement of it."""

    id: str
    business: str = field(metadata={"schema": {"enum": ["new", "recall", "update", "replacement"]}})
    received_at: datetime
    recipients: tuple[str, ...]
    reason: str | None = None
    changes: tuple[str, ...] = field(
        default=(), metadata={"schema": {"items": {"enum": ["document_info", "receivers"]}}}
    )
    """What an update changed."""
    original: str | None = None
    """The id of the original message it is linked to (None: the original, or
    an original this node never stored)."""


@dataclass(frozen=True)
class Trace:
    id: str
    document_id: str
    kind: MessageKind
    state: str
    sender: str
    recipients: tuple[str, ...]
    received_at: datetime
    hops: tuple[Hop, ...]
    deliveries: tuple[DeliveryView, ...]
    statuses: tuple[StatusView, ...]
    chain: tuple[ChainLink, ...] = field(
        default=(),
        metadata={
            "schema": {
                "description": "the document's business chain on this node (domain §4), oldest "
                "first: the original and its updates, recalls and replacements; empty when alone"
            }
        },
    )


class ExchangeApi(Protocol):
    """What the DMS API and the peer API call. Implemented by node.engine."""

    async def submit(
        self,
        body: IncomingBody,
        *,
        principal: DmsPrincipal,
        kind: MessageKind,
        idempotency_key: str | None = None,
    ) -> SubmitResult: ...

    async def receive(
        self, body: IncomingBody, *, peer: PeerPrincipal, meta: TransferMeta
    ) -> SubmitResult: ...

    async def inbox(
        self, principal: DmsPrincipal, *, limit: int, cursor: str | None
    ) -> InboxPage: ...

    async def open_message(self, message_id: str, principal: DmsPrincipal) -> StoredBody: ...

    async def ack(self, message_id: str, principal: DmsPrincipal) -> None: ...

    async def trace(self, message_id: str, principal: DmsPrincipal) -> Trace: ...


# --------------------------------------------------------------------------- admin facade


@dataclass(frozen=True)
class MessageSummary:
    id: str
    kind: MessageKind
    document_id: str
    sender: str
    recipients: tuple[str, ...]
    state: str
    received_at: datetime
    priority: int = 0
    status_code: str | None = None


@dataclass(frozen=True)
class MessagePage:
    items: tuple[MessageSummary, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class MessageDetail:
    summary: MessageSummary
    trace: Trace
    verification: Mapping[str, Any] = field(
        metadata={"schema": {"description": "the verification report"}}
    )


@dataclass(frozen=True)
class OverdueItem:
    document_id: str
    message_id: str
    recipient: str
    expected: str
    """The status that is due: "01", "03" (or 02) or "06"."""
    due_at: datetime
    last_code: str | None


@dataclass(frozen=True)
class OrganStats:
    organ: str
    documents: int
    arrived: int
    accepted: int
    refused: int
    done: int
    overdue: int
    on_time_rate: float | None = field(metadata=SHARE)
    """Share of due feedback that came on time; None when nothing was due yet."""
    completeness: float | None = field(metadata=SHARE)
    """Share of documents whose handling reached 06 (or 02/15)."""


@dataclass(frozen=True)
class QueueDepth:
    """Deliveries waiting for one destination (pending or in flight)."""

    destination: Destination
    queued: int
    in_flight: int
    held: int
    """Held back behind the probe of an unreachable destination."""
    oldest_created_at: datetime | None


@dataclass(frozen=True)
class AuditEntryView:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class AuditCheck:
    entries: int
    intact: bool
    first_bad_entry: int | None = None
    detail: str = ""


class AdminApi(Protocol):
    """What the admin API calls. Implemented by node.engine."""

    async def search(
        self,
        *,
        state: str | None = None,
        organ: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
        document_id: str | None = None,
        status_code: str | None = None,
    ) -> MessagePage:
        """Newest first. ``status_code``: status messages carrying that code
        (``"02"``: refusals)."""
        ...

    async def detail(self, message_id: str) -> MessageDetail: ...

    async def resend(self, message_id: str, *, actor: str) -> tuple[DeliveryView, ...]:
        """Put the message's dead (or failed) deliveries back in the queue, due now."""
        ...

    async def dead_letters(self, *, limit: int = 50) -> tuple[DeliveryView, ...]: ...

    async def overdue(self, organ: str | None = None) -> tuple[OverdueItem, ...]: ...

    async def feedback_stats(
        self, organ: str | None = None, *, since: datetime | None = None
    ) -> tuple[OrganStats, ...]: ...

    async def verify_audit_log(self) -> AuditCheck: ...

    async def queues(self) -> tuple[QueueDepth, ...]:
        """Waiting deliveries per destination, destinations with none left out."""
        ...

    async def audit_trail(self, message_id: str, *, limit: int = 100) -> tuple[AuditEntryView, ...]:
        """The audit entries about a message and its document, newest first."""
        ...

    async def report(
        self, *, start: date, end: date, organ: str | None = None
    ) -> SupervisionReport:
        """The QĐ 28 supervision report (node.report) over the Vietnam days
        ``start`` to ``end``, judged now."""
        ...


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class QueueSnapshot:
    """Point-in-time numbers read from the store for /metrics."""

    messages_by_state: Mapping[str, int] = field(default_factory=dict)
    queue_depth: int = 0
    """Deliveries waiting (pending or in flight)."""
    oldest_pending_age: float | None = None
    """Seconds since the oldest waiting delivery was created; None when none wait."""


class OpsProbe(Protocol):
    """What /readyz and /metrics read from the core. Implemented by node.engine
    (or assembled by node.app.bootstrap from the store and the key ring)."""

    async def readiness(self) -> Mapping[str, str | None]:
        """Each check by name: None when it passes, else why it fails, e.g.
        ``{"store": None, "keys": "organ 000.00.00.G22: no signing key loaded"}``."""
        ...

    async def snapshot(self) -> QueueSnapshot: ...
