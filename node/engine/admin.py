"""The admin facade (:class:`node.ports.api.AdminApi`): search, detail, resend,
dead letters, overdue items, feedback statistics, audit-log verification."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime

from node.deadlines import OverdueFacts, deadlines, feedback_figures, overdue
from node.engine.business import chain
from node.engine.settings import EngineSettings
from node.engine.views import (
    check_limit,
    decode_cursor,
    delivery_view,
    encode_cursor,
    summary,
    trace_view,
)
from node.errors import BadRequest, Conflict, Issue, NotFound
from node.model import StatusCode
from node.ports.api import (
    AuditCheck,
    AuditEntryView,
    DeliveryView,
    MessageDetail,
    MessagePage,
    OrganStats,
    OverdueItem,
    QueueDepth,
)
from node.ports.driven import Clock
from node.report import Period, SupervisionReport, build_report
from node.store.port import Store
from node.store.records import FeedbackFact, NewAuditEntry, SearchFilter


@dataclass(eq=False, kw_only=True)
class Admin:
    settings: EngineSettings
    store: Store
    clock: Clock
    wakeup: asyncio.Event

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
        where = SearchFilter(
            state=state,
            organ=organ,
            since=since,
            until=until,
            document_id=document_id,
            status_code=status_code,
        )
        records, after = await self.store.search(
            where,
            limit=check_limit(limit),
            after=decode_cursor(cursor),
        )
        return MessagePage(tuple(summary(r) for r in records), encode_cursor(after))

    async def detail(self, message_id: str) -> MessageDetail:
        record = await self.store.trace(message_id)
        if record is None:
            raise NotFound(f"no message {message_id}")
        trace = replace(trace_view(record), chain=await chain(self.store, record.message))
        return MessageDetail(summary(record.message), trace, record.message.verification)

    async def resend(self, message_id: str, *, actor: str) -> tuple[DeliveryView, ...]:
        if await self.store.message(message_id) is None:
            raise NotFound(f"no message {message_id}")
        now = self.clock.now()
        audit = NewAuditEntry(now, actor, "resend", message_id)
        resent = await self.store.resend(message_id, now=now, audit=audit)
        if not resent:
            raise Conflict(f"message {message_id} has no dead-lettered delivery to resend")
        self.wakeup.set()
        return tuple(delivery_view(d) for d in resent)

    async def dead_letters(self, *, limit: int = 50) -> tuple[DeliveryView, ...]:
        records = await self.store.dead_letters(limit=check_limit(limit))
        return tuple(delivery_view(d) for d in records)

    async def overdue(self, organ: str | None = None) -> tuple[OverdueItem, ...]:
        items = []
        for fact, judged in await self._judged(organ, None):
            if judged.overdue and judged.expected is not None and judged.due_at is not None:
                items.append(
                    OverdueItem(
                        document_id=fact.document_id,
                        message_id=fact.message_id,
                        recipient=fact.recipient,
                        expected=judged.expected.value,
                        due_at=judged.due_at,
                        last_code=judged.last_code.value if judged.last_code else None,
                    )
                )
        items.sort(key=lambda i: (i.due_at, i.recipient))
        return tuple(items)

    async def feedback_stats(
        self, organ: str | None = None, *, since: datetime | None = None
    ) -> tuple[OrganStats, ...]:
        by_organ: dict[str, list[OverdueFacts]] = defaultdict(list)
        for fact, judged in await self._judged(organ, since):
            by_organ[fact.recipient].append(judged)
        stats = []
        for name in sorted(by_organ):
            f = feedback_figures(by_organ[name])
            stats.append(
                OrganStats(
                    organ=name,
                    documents=f.documents,
                    arrived=f.arrived,
                    accepted=f.accepted,
                    refused=f.refused,
                    done=f.done,
                    overdue=f.overdue,
                    on_time_rate=f.on_time_rate,
                    completeness=f.completeness,
                )
            )
        return tuple(stats)

    async def verify_audit_log(self) -> AuditCheck:
        """The chain's links, then the last signed checkpoint against them (a
        cut tail or a recomputed chain); signatures are the auditor's offline
        check (``lienthong audit verify``)."""
        store = self.store
        check = await store.verify_audit()
        last = await store.last_checkpoint()
        if not check.intact or last is None or last.entries == 0:
            return check
        if last.entries > check.entries:
            return AuditCheck(
                check.entries,
                False,
                check.entries + 1,
                f"missing tail: checkpoint {last.id} covers {last.entries} entries, "
                f"the log holds {check.entries}",
            )
        (signed,) = await store.audit_entries(limit=1, after=last.entries - 1)
        if signed.hash != last.head:
            return AuditCheck(
                check.entries,
                False,
                last.entries,
                f"entry {last.entries} is not the one signed in checkpoint {last.id}: "
                "the chain was rewritten",
            )
        return check

    async def queues(self) -> tuple[QueueDepth, ...]:
        return await self.store.queue_depths()

    async def audit_trail(self, message_id: str, *, limit: int = 100) -> tuple[AuditEntryView, ...]:
        message = await self.store.message(message_id)
        if message is None:
            raise NotFound(f"no message {message_id}")
        # statuses are recorded against the document id, the rest against the message
        subjects = (message_id, message.document_id)
        entries = await self.store.audit_of(subjects, limit=check_limit(limit))
        return tuple(
            AuditEntryView(e.seq, e.at, e.actor, e.action, e.subject, e.details) for e in entries
        )

    async def report(
        self, *, start: date, end: date, organ: str | None = None
    ) -> SupervisionReport:
        try:
            period = Period(start, end)
        except ValueError as exc:
            raise BadRequest(f"period: {exc}", [Issue(None, "to", str(exc))]) from None
        settings = self.settings
        facts = await self.store.feedback_facts(organ=None, since=period.first_instant)
        return build_report(
            facts,
            period=period,
            organ=organ,
            as_of=self.clock.now(),
            calendar=settings.calendar,
            policy=settings.deadlines,
        )

    async def _judged(
        self, organ: str | None, since: datetime | None
    ) -> list[tuple[FeedbackFact, OverdueFacts]]:
        settings = self.settings
        now = self.clock.now()
        judged = []
        for fact in await self.store.feedback_facts(organ=organ, since=since):
            history = [(StatusCode(s.code), s.at) for s in fact.statuses if s.code in _KNOWN]
            arrived = min((at for code, at in history if code is StatusCode.ARRIVED), default=None)
            due = deadlines(
                fact.stored_at,
                arrived_at=arrived,
                due_date=fact.due_date,
                calendar=settings.calendar,
                policy=settings.deadlines,
            )
            judged.append((fact, overdue(due, history, now)))
        return judged


_KNOWN = frozenset(c.value for c in StatusCode)
