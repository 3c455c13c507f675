"""In-memory stand-ins for the core's facades (ExchangeApi, AdminApi, OpsProbe),
so the HTTP adapters and the composition root can be tested with real servers
before the engine lands. They keep the facades' contracts the adapters rely
on: ownership of spooled bodies, organ-based visibility, duplicates, errors.

The same behaviours run against the real core too: tests/integration/service/
test_real_node.py, test_store_down.py, test_openapi_fuzz.py[real] and
tests/e2e/test_two_serve_processes.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from node.app.bootstrap import Core, CoreDeps
from node.errors import BadRequest, Forbidden, Issue, LienthongError, NotFound, ValidationFailed
from node.model import MessageKind
from node.ports.api import (
    AuditCheck,
    AuditEntryView,
    DeliveryView,
    DmsPrincipal,
    InboxItem,
    InboxPage,
    IncomingBody,
    MessageDetail,
    MessagePage,
    MessageSummary,
    OrganStats,
    OverdueItem,
    PeerPrincipal,
    QueueDepth,
    QueueSnapshot,
    SubmitResult,
    Trace,
)
from node.ports.driven import (
    DeliveryOutcome,
    Destination,
    DestinationKind,
    StoredBody,
    TransferMeta,
)
from node.xmlsafe import parse_bytes
from tests.support.bodies import FileBody
from tests.support.clock import NOW, FakeClock


@dataclass
class Stored:
    id: str
    kind: MessageKind
    sender: str
    recipients: tuple[str, ...]
    document_id: str
    body: FileBody
    received_at: datetime
    acked: set[str] = field(default_factory=set)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _texts(data: bytes, name: str, parent: str | None = None) -> list[str]:
    tree = parse_bytes(data)
    return [
        (el.text or "").strip()
        for el in tree.iter()
        if _local(el.tag) == name and (parent is None or _local(el.getparent().tag) == parent)  # type: ignore[union-attr]
    ]


def envelope_facts(data: bytes, kind: MessageKind) -> tuple[str, tuple[str, ...], str]:
    """(sender, recipients, document id), or ValidationFailed naming what is missing."""
    senders = _texts(data, "OrganId", "From")
    doc_ids = _texts(data, "DocumentId")
    to = _texts(data, "OrganId", "ResponseFor" if kind is MessageKind.STATUS else "To")
    issues = []
    if not senders:
        issues.append(Issue(None, "/edXML/edXMLEnvelope/edXMLHeader/*/From/OrganId", "missing"))
    if not to:
        issues.append(Issue(None, "/edXML/edXMLEnvelope/edXMLHeader/*/To", "no recipient"))
    if not doc_ids:
        issues.append(Issue(None, "/edXML/edXMLEnvelope/edXMLHeader/*/DocumentId", "missing"))
    if issues:
        raise ValidationFailed(issues)
    return senders[0], tuple(dict.fromkeys(to)), doc_ids[0]


@dataclass(frozen=True)
class SubmitCall:
    content: bytes
    kind: MessageKind
    principal: DmsPrincipal
    idempotency_key: str | None


@dataclass(frozen=True)
class ReceiveCall:
    meta: TransferMeta
    content: bytes
    peer: PeerPrincipal


class FakeExchange:
    """ExchangeApi in memory, the one fake of it (HTTP adapters, drop folder,
    VDXP poller): bodies are moved into ``store_dir``, a repeated idempotency
    key or peer message id answers the first result as a duplicate, and every
    call taken is recorded (``calls``, ``received``)."""

    def __init__(
        self,
        store_dir: Path,
        clock: FakeClock | None = None,
        *,
        fail_with: BaseException | None = None,
    ) -> None:
        self.store_dir = store_dir
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.clock = clock or FakeClock()
        self.messages: dict[str, Stored] = {}
        self.by_key: dict[tuple[str, ...], str] = {}
        self.fail_with = fail_with
        """Raised by every call (after taking no body): to simulate a store outage etc."""
        self.calls: list[SubmitCall] = []
        """Every submit the core took, in order (duplicates included)."""
        self.received: list[ReceiveCall] = []
        """Every receive the core took, in order (duplicates included)."""
        self.entered = asyncio.Event()
        """Set when a submit has started (and holds its spooled body)."""
        self.gate: asyncio.Event | None = None
        """When set, submit waits for it: an in-flight request to shut down under."""

    def _maybe_fail(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def _store(
        self,
        body: IncomingBody,
        kind: MessageKind,
        sender: str,
        recipients: tuple[str, ...],
        document_id: str,
        key: tuple[str, ...],
        message_id: str | None = None,
    ) -> SubmitResult:
        if key in self.by_key:
            first = self.messages[self.by_key[key]]
            return SubmitResult(first.id, first.document_id, "accepted", duplicate=True)
        mid = message_id or uuid.uuid4().hex
        target = self.store_dir / mid
        if body.data is not None:  # a small body the spool kept in memory
            target.write_bytes(body.data)
        else:
            shutil.move(body.path, target)
        self.messages[mid] = Stored(
            mid,
            kind,
            sender,
            recipients,
            document_id,
            FileBody(target, body.sha256),
            self.clock.now(),
        )
        self.by_key[key] = mid
        return SubmitResult(mid, document_id, "accepted")

    async def submit(
        self,
        body: IncomingBody,
        *,
        principal: DmsPrincipal,
        kind: MessageKind,
        idempotency_key: str | None = None,
    ) -> SubmitResult:
        # fail_with: a core that fails before taking the body (the adapter's
        # safety net deletes it); otherwise the body is the core's to dispose of.
        self._maybe_fail()
        try:
            return await self._submit(body, principal, kind, idempotency_key)
        finally:
            body.path.unlink(missing_ok=True)

    async def _submit(
        self,
        body: IncomingBody,
        principal: DmsPrincipal,
        kind: MessageKind,
        idempotency_key: str | None,
    ) -> SubmitResult:
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        data = _bytes_of(body)
        assert hashlib.sha256(data).hexdigest() == body.sha256
        assert len(data) == body.size
        self.calls.append(SubmitCall(data, kind, principal, idempotency_key))
        sender, recipients, document_id = envelope_facts(data, kind)
        if sender not in principal.organs:
            raise Forbidden(f"client {principal.client_id} may not send for {sender}")
        key = (
            ("idem", principal.client_id, idempotency_key)
            if idempotency_key
            else ("doc", kind.value, sender, document_id, hashlib.sha256(data).hexdigest())
        )
        return self._store(body, kind, sender, recipients, document_id, key)

    async def receive(
        self, body: IncomingBody, *, peer: PeerPrincipal, meta: TransferMeta
    ) -> SubmitResult:
        self._maybe_fail()
        try:
            data = _bytes_of(body)
            self.received.append(ReceiveCall(meta, data, peer))
            sender, _, document_id = envelope_facts(data, meta.kind)
            return self._store(
                body,
                meta.kind,
                sender,
                meta.recipients,
                document_id,
                ("peer", meta.message_id),
                message_id=meta.message_id,
            )
        finally:
            body.path.unlink(missing_ok=True)

    def _visible(self, principal: DmsPrincipal) -> list[Stored]:
        return [m for m in self.messages.values() if set(m.recipients) & principal.organs]

    async def inbox(self, principal: DmsPrincipal, *, limit: int, cursor: str | None) -> InboxPage:
        self._maybe_fail()
        pending = [m for m in self._visible(principal) if not (principal.organs & m.acked)]
        start = int(cursor) if cursor and cursor.isdigit() else 0
        page = pending[start : start + limit]
        next_cursor = str(start + limit) if start + limit < len(pending) else None
        items = tuple(
            InboxItem(
                m.id,
                m.kind,
                m.sender,
                m.document_id,
                m.received_at,
                organ=next((r for r in m.recipients if r in principal.organs), ""),
            )
            for m in page
        )
        return InboxPage(items, next_cursor)

    def _readable(self, message_id: str, principal: DmsPrincipal) -> Stored:
        message = self.messages.get(message_id)
        if message is None or not (
            set(message.recipients) & principal.organs or message.sender in principal.organs
        ):
            raise NotFound(f"no message {message_id} for this client")
        return message

    async def open_message(self, message_id: str, principal: DmsPrincipal) -> StoredBody:
        self._maybe_fail()
        return self._readable(message_id, principal).body

    async def ack(self, message_id: str, principal: DmsPrincipal) -> None:
        self._maybe_fail()
        message = self._readable(message_id, principal)
        message.acked |= set(message.recipients) & principal.organs

    async def trace(self, message_id: str, principal: DmsPrincipal) -> Trace:
        self._maybe_fail()
        return trace_of(self._readable(message_id, principal))


def trace_of(message: Stored) -> Trace:
    return Trace(
        id=message.id,
        document_id=message.document_id,
        kind=message.kind,
        state="accepted",
        sender=message.sender,
        recipients=message.recipients,
        received_at=message.received_at,
        hops=(),
        deliveries=(delivery_of(message),),
        statuses=(),
    )


def delivery_of(message: Stored) -> DeliveryView:
    return DeliveryView(
        id=f"d-{message.id}",
        destination=Destination(DestinationKind.PEER, "up"),
        recipients=message.recipients,
        state="dead",
        attempts=(),
        next_attempt_at=None,
        last_error="peer refused",
        message_id=message.id,
    )


class FakeAdmin:
    def __init__(self, exchange: FakeExchange) -> None:
        self.exchange = exchange
        self.resent: list[tuple[str, str]] = []

    def _summary(self, m: Stored) -> MessageSummary:
        return MessageSummary(
            m.id, m.kind, m.document_id, m.sender, m.recipients, "accepted", m.received_at
        )

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
        del state, since, until, cursor
        self.exchange._maybe_fail()
        items = [
            m
            for m in self.exchange.messages.values()
            if (organ is None or organ == m.sender or organ in m.recipients)
            and (document_id is None or document_id == m.document_id)
            and status_code is None
        ]
        return MessagePage(tuple(self._summary(m) for m in items[:limit]), None)

    def _get(self, message_id: str) -> Stored:
        message = self.exchange.messages.get(message_id)
        if message is None:
            raise NotFound(f"no message {message_id}")
        return message

    async def detail(self, message_id: str) -> MessageDetail:
        self.exchange._maybe_fail()
        m = self._get(message_id)
        return MessageDetail(self._summary(m), trace_of(m), {"accepted": True, "signatures": []})

    async def resend(self, message_id: str, *, actor: str) -> tuple[DeliveryView, ...]:
        self.exchange._maybe_fail()
        m = self._get(message_id)
        self.resent.append((message_id, actor))
        return (delivery_of(m),)

    async def dead_letters(self, *, limit: int = 50) -> tuple[DeliveryView, ...]:
        self.exchange._maybe_fail()
        return tuple(delivery_of(m) for m in list(self.exchange.messages.values())[:limit])

    async def overdue(self, organ: str | None = None) -> tuple[OverdueItem, ...]:
        del organ
        return tuple(
            OverdueItem(m.document_id, m.id, r, "03", NOW, "01")
            for m in self.exchange.messages.values()
            for r in m.recipients
        )

    async def feedback_stats(
        self, organ: str | None = None, *, since: datetime | None = None
    ) -> tuple[OrganStats, ...]:
        del since
        return (OrganStats(organ or "000.00.00.G22", 3, 3, 2, 0, 1, 1, 0.5, None),)

    async def verify_audit_log(self) -> AuditCheck:
        return AuditCheck(entries=len(self.exchange.messages), intact=True)

    async def queues(self) -> tuple[QueueDepth, ...]:
        return tuple(
            QueueDepth(delivery_of(m).destination, 1, 0, 0, m.received_at)
            for m in list(self.exchange.messages.values())[:1]
        )

    async def audit_trail(self, message_id: str, *, limit: int = 100) -> tuple[AuditEntryView, ...]:
        m = self._get(message_id)
        return (AuditEntryView(1, m.received_at, "dms", "accept", m.id, {}),)[:limit]

    async def report(self, *, start: date, end: date, organ: str | None = None) -> Any:
        """The real report over the stored documents, none answered, judged at NOW."""
        from node.deadlines import DeadlinePolicy
        from node.report import Period, build_report
        from node.store.records import FeedbackFact
        from node.work_calendar import WorkCalendar

        try:
            period = Period(start, end)
        except ValueError as exc:
            raise BadRequest(f"period: {exc}") from None
        facts = [
            FeedbackFact(m.document_id, m.id, m.sender, r, m.received_at, None, ())
            for m in self.exchange.messages.values()
            if m.kind is MessageKind.DOCUMENT
            for r in m.recipients
        ]
        return build_report(
            facts,
            period=period,
            organ=organ,
            as_of=NOW,
            calendar=WorkCalendar(),
            policy=DeadlinePolicy(),
        )


class FakeProbe:
    def __init__(self, exchange: FakeExchange) -> None:
        self.exchange = exchange
        self.store_problem: str | None = None

    async def readiness(self) -> Mapping[str, str | None]:
        return {"store": self.store_problem, "keys": None}

    async def snapshot(self) -> QueueSnapshot:
        return QueueSnapshot({"accepted": len(self.exchange.messages)}, 2, 12.5)


class RecordingTransport:
    def __init__(self) -> None:
        self.sent: list[tuple[Destination, TransferMeta]] = []

    async def send(
        self, destination: Destination, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        from node.ports.driven import Outcome

        del body
        self.sent.append((destination, meta))
        return DeliveryOutcome(Outcome.DELIVERED)


@dataclass
class FakeCore:
    """A core factory for NodeService that hands out fakes and records them."""

    store_dir: Path
    exchange: FakeExchange | None = None
    admin: FakeAdmin | None = None
    probe: FakeProbe | None = None
    deps: CoreDeps | None = None
    closed: bool = False
    background: tuple[object, ...] = ()

    @contextlib.asynccontextmanager
    async def __call__(self, deps: CoreDeps) -> AsyncIterator[Core]:
        self.deps = deps
        self.exchange = FakeExchange(self.store_dir)
        self.admin = FakeAdmin(self.exchange)
        self.probe = FakeProbe(self.exchange)
        try:
            yield Core(self.exchange, self.admin, self.probe, self.background)  # type: ignore[arg-type]
        finally:
            self.closed = True


def fail_all(exchange: FakeExchange, error: LienthongError | Exception) -> None:
    exchange.fail_with = error


def _bytes_of(body: IncomingBody) -> bytes:
    return body.data if body.data is not None else body.path.read_bytes()
