"""The supervision report's JSON (``GET /admin/v1/report``, the console's
report page and CSV, the CLI): its own shape, not :class:`node.report.SupervisionReport`
field for field (the period is ``from``/``to``, delays are seconds, each
document's three owed statuses are a list), so it is written here once, as
dataclasses like every other body (:mod:`adapters.http.models`).
:func:`node.report_format.render_text` and ``render_csv`` read this JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from node.ports.api import SHARE
from node.report import (
    DayPoint,
    DocumentLine,
    OrganLine,
    OverdueLine,
    StageCounts,
    StageLine,
    SupervisionReport,
    Verdict,
)
from node.report_format import format_delay


@dataclass(frozen=True)
class OrganFigures:
    organ: str
    documents: int
    arrival: Mapping[Verdict, int]
    acceptance: Mapping[Verdict, int]
    handling: Mapping[Verdict, int]
    on_time: int
    judged: int
    on_time_rate: float | None = field(metadata=SHARE)
    complete: int
    completeness: float | None = field(metadata=SHARE)
    overdue: int

    @classmethod
    def of(cls, o: OrganLine) -> OrganFigures:
        return cls(
            organ=o.organ,
            documents=o.documents,
            arrival=_counts(o.arrival),
            acceptance=_counts(o.acceptance),
            handling=_counts(o.handling),
            on_time=o.on_time,
            judged=o.judged,
            on_time_rate=o.on_time_rate,
            complete=o.complete,
            completeness=o.completeness,
            overdue=o.overdue,
        )


@dataclass(frozen=True)
class OverdueFeedback:
    document_id: str
    message_id: str
    sender: str
    recipient: str
    owed: str
    due_at: datetime
    late_seconds: int
    late: str

    @classmethod
    def of(cls, o: OverdueLine) -> OverdueFeedback:
        late = format_delay(o.late_by)
        return cls(
            o.document_id,
            o.message_id,
            o.sender,
            o.recipient,
            o.owed,
            o.due_at,
            int(o.late_by.total_seconds()),
            late,
        )


@dataclass(frozen=True)
class Day:
    day: date
    received: int
    overdue: int

    @classmethod
    def of(cls, p: DayPoint) -> Day:
        return cls(p.day, p.received, p.overdue)


@dataclass(frozen=True)
class Stage:
    owed: str = field(metadata={"schema": {"enum": ["01", "03", "06"]}})
    verdict: Verdict
    due_at: datetime | None
    at: datetime | None
    late_seconds: int | None

    @classmethod
    def of(cls, s: StageLine) -> Stage:
        late = None if s.late_by is None else int(s.late_by.total_seconds())
        return cls(s.owed, s.verdict, s.due_at, s.met_at, late)


@dataclass(frozen=True)
class DocumentFeedback:
    document_id: str
    message_id: str
    sender: str
    recipient: str
    stored_at: datetime
    due_date: date | None
    stages: tuple[Stage, ...]
    complete: bool
    last_code: str | None

    @classmethod
    def of(cls, d: DocumentLine) -> DocumentFeedback:
        stages = tuple(Stage.of(s) for s in d.stages)
        return cls(
            d.document_id,
            d.message_id,
            d.sender,
            d.recipient,
            d.stored_at,
            d.due_date,
            stages,
            d.complete,
            d.last_code,
        )


@dataclass(frozen=True)
class ReportBody:
    start: date = field(metadata={"json": "from"})
    end: date = field(metadata={"json": "to"})
    organ: str | None
    as_of: datetime
    total: OrganFigures
    received: tuple[OrganFigures, ...]
    sent: tuple[OrganFigures, ...]
    overdue: tuple[OverdueFeedback, ...]
    timeline: tuple[Day, ...]
    documents: tuple[DocumentFeedback, ...]

    @classmethod
    def of(cls, r: SupervisionReport) -> ReportBody:
        return cls(
            start=r.period.start,
            end=r.period.end,
            organ=r.organ,
            as_of=r.as_of,
            total=OrganFigures.of(r.total),
            received=tuple(OrganFigures.of(o) for o in r.received),
            sent=tuple(OrganFigures.of(o) for o in r.sent),
            overdue=tuple(OverdueFeedback.of(o) for o in r.overdue),
            timeline=tuple(Day.of(p) for p in r.timeline),
            documents=tuple(DocumentFeedback.of(d) for d in r.documents),
        )


def _counts(c: StageCounts) -> Mapping[Verdict, int]:
    return {v: c[v] for v in Verdict}
