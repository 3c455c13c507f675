"""The QĐ 28 supervision report: feedback discipline per organ and period.

For every tracked (document, recipient) pair stored in the period, each status
the recipient owes is judged against its deadline (node.deadlines, domain §6):
01 within its limit of storage, 02/03 by the end of the next working day after
arrival, 06 by the DueDate. The figures are then summed per organ twice: by
recipient (documents received, feedback given) and by sender (documents sent,
feedback received). Pure: the caller passes the store's facts, the calendar,
the policy and ``as_of``; nothing here reads a clock or a store.

Verdicts of one owed status:

* ``on-time`` / ``late``: it came, before or after its deadline;
* ``overdue``: it has not come and its deadline has passed;
* ``missed``: it never came, was already late when the pair ended (a recall
  15, or a refusal 02 ending the handling), and is no longer owed;
* ``waiting``: not come, not due yet (or no deadline: 06 without DueDate);
* ``met``: came, and had no deadline (06 without DueDate);
* ``not-owed``: the pair ended before it was due (02 or 15).

The on-time rate is on-time / (on-time + late + overdue + missed), as in the
admin statistics; a pair is complete when every status it owes has come or
is no longer owed.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from node.deadlines import DeadlinePolicy, OverdueFacts, StageFact, deadlines, overdue
from node.model import VN_TZ, StatusCode
from node.work_calendar import WorkCalendar, vn_date


class SeenStatus(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def at(self) -> datetime: ...


class FeedbackFact(Protocol):
    """What the report reads of a tracked (document, recipient) pair: the
    store's :class:`node.store.records.FeedbackFact`, named here by shape so
    that the report does not stand on the store (which stands on the ports)."""

    @property
    def document_id(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def sender(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def stored_at(self) -> datetime: ...
    @property
    def due_date(self) -> date | None: ...
    @property
    def statuses(self) -> Sequence[SeenStatus]: ...


MAX_DAYS = 366
"""The longest period one report covers (a year, leap day included)."""

_KNOWN = frozenset(c.value for c in StatusCode)


class Verdict(enum.StrEnum):
    ON_TIME = "on-time"
    LATE = "late"
    OVERDUE = "overdue"
    MISSED = "missed"
    WAITING = "waiting"
    MET = "met"
    NOT_OWED = "not-owed"


JUDGED = frozenset({Verdict.ON_TIME, Verdict.LATE, Verdict.OVERDUE, Verdict.MISSED})


@dataclass(frozen=True)
class Period:
    """Vietnam calendar days ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"the period ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})"
            )
        if self.start.year < 2000 or self.end.year > 9998:
            raise ValueError("the period must lie between the years 2000 and 9998")
        if self.days > MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days, this one {self.days}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> Iterable[date]:
        for offset in range(self.days):
            yield self.start + timedelta(days=offset)

    def contains(self, instant: datetime) -> bool:
        return self.start <= vn_date(instant) <= self.end

    @property
    def first_instant(self) -> datetime:
        """00:00 Vietnam time on ``start``, in UTC (what the store filters on)."""
        return datetime.combine(self.start, time(0), tzinfo=VN_TZ).astimezone(UTC)


@dataclass(frozen=True)
class StageLine:
    """One status a pair owes, and how it went."""

    owed: str
    """"01", "03" (02 also meets it) or "06"."""
    due_at: datetime | None
    met_at: datetime | None
    verdict: Verdict
    late_by: timedelta | None
    """How late it came (``late``), or is (``overdue``, at ``as_of``)."""


@dataclass(frozen=True)
class DocumentLine:
    document_id: str
    message_id: str
    sender: str
    recipient: str
    stored_at: datetime
    due_date: date | None
    arrival: StageLine
    acceptance: StageLine
    handling: StageLine
    last_code: str | None

    @property
    def stages(self) -> tuple[StageLine, StageLine, StageLine]:
        return (self.arrival, self.acceptance, self.handling)

    @property
    def complete(self) -> bool:
        """Every status it owes came, or is no longer owed."""
        return all(s.verdict not in (Verdict.OVERDUE, Verdict.WAITING) for s in self.stages)

    @property
    def overdue(self) -> bool:
        return any(s.verdict is Verdict.OVERDUE for s in self.stages)


@dataclass(frozen=True)
class StageCounts:
    """How many pairs got each verdict for one owed status."""

    counts: Mapping[Verdict, int] = field(default_factory=dict)

    def __getitem__(self, verdict: Verdict) -> int:
        return self.counts.get(verdict, 0)

    @property
    def judged(self) -> int:
        return sum(self[v] for v in JUDGED)

    def as_dict(self) -> dict[str, int]:
        return {v.value: self[v] for v in Verdict}


@dataclass(frozen=True)
class OrganLine:
    """One organ's figures, from the side of the report it appears on."""

    organ: str
    documents: int
    arrival: StageCounts
    acceptance: StageCounts
    handling: StageCounts
    complete: int
    overdue: int
    """Pairs with at least one overdue status."""

    @property
    def on_time(self) -> int:
        return sum(s[Verdict.ON_TIME] for s in self.stages)

    @property
    def judged(self) -> int:
        return sum(s.judged for s in self.stages)

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.judged if self.judged else None

    @property
    def completeness(self) -> float | None:
        return self.complete / self.documents if self.documents else None

    @property
    def stages(self) -> tuple[StageCounts, StageCounts, StageCounts]:
        return (self.arrival, self.acceptance, self.handling)


@dataclass(frozen=True)
class OverdueLine:
    document_id: str
    message_id: str
    sender: str
    recipient: str
    owed: str
    due_at: datetime
    late_by: timedelta


@dataclass(frozen=True)
class DayPoint:
    day: date
    received: int
    """Pairs stored that day."""
    overdue: int
    """Pairs with an overdue status at the end of that day (or at ``as_of``)."""


@dataclass(frozen=True)
class SupervisionReport:
    period: Period
    organ: str | None
    as_of: datetime
    received: tuple[OrganLine, ...]
    """Per recipient: documents received and the feedback they gave."""
    sent: tuple[OrganLine, ...]
    """Per sender: documents sent and the feedback they got."""
    documents: tuple[DocumentLine, ...]
    overdue: tuple[OverdueLine, ...]
    timeline: tuple[DayPoint, ...]

    @property
    def total(self) -> OrganLine:
        """All pairs of the report together (each counted once)."""
        return _organ_line("*", self.documents)


def judge_fact(
    fact: FeedbackFact, *, calendar: WorkCalendar, policy: DeadlinePolicy, now: datetime
) -> OverdueFacts:
    """One pair's history judged at ``now``: statuses after ``now`` are not seen
    yet (the timeline judges the past this way)."""
    history = [
        (StatusCode(s.code), s.at) for s in fact.statuses if s.code in _KNOWN and s.at <= now
    ]
    arrived = min((at for code, at in history if code is StatusCode.ARRIVED), default=None)
    due = deadlines(
        fact.stored_at,
        arrived_at=arrived,
        due_date=fact.due_date,
        calendar=calendar,
        policy=policy,
    )
    return overdue(due, history, now)


def build_report(
    facts: Iterable[FeedbackFact],
    *,
    period: Period,
    organ: str | None,
    as_of: datetime,
    calendar: WorkCalendar,
    policy: DeadlinePolicy,
) -> SupervisionReport:
    """The report over ``facts`` stored in ``period`` (Vietnam dates), judged at
    ``as_of``; ``organ`` keeps the pairs it received or sent."""
    scoped = sorted(
        (
            f
            for f in facts
            if period.contains(f.stored_at)
            and f.stored_at <= as_of
            and (organ is None or organ in (f.sender, f.recipient))
        ),
        key=lambda f: (f.stored_at, f.document_id, f.recipient),
    )
    lines = tuple(
        _document_line(f, judge_fact(f, calendar=calendar, policy=policy, now=as_of))
        for f in scoped
    )
    received = _group(lines, lambda d: d.recipient, organ)
    sent = _group(lines, lambda d: d.sender, organ)
    late = sorted(
        (
            OverdueLine(
                d.document_id, d.message_id, d.sender, d.recipient, s.owed, s.due_at, s.late_by
            )
            for d in lines
            for s in d.stages
            if s.verdict is Verdict.OVERDUE and s.due_at is not None and s.late_by is not None
        ),
        key=lambda o: (o.due_at, o.recipient, o.document_id, o.owed),
    )
    return SupervisionReport(
        period=period,
        organ=organ,
        as_of=as_of,
        received=received,
        sent=sent,
        documents=lines,
        overdue=tuple(late),
        timeline=_timeline(scoped, period, as_of, calendar, policy),
    )


def _group(
    lines: Sequence[DocumentLine], key: Callable[[DocumentLine], str], organ: str | None
) -> tuple[OrganLine, ...]:
    by: dict[str, list[DocumentLine]] = defaultdict(list)
    for line in lines:
        by[key(line)].append(line)
    names = sorted(by) if organ is None else [n for n in sorted(by) if n == organ]
    return tuple(_organ_line(name, by[name]) for name in names)


def _organ_line(name: str, lines: Sequence[DocumentLine]) -> OrganLine:
    def counts(pick: int) -> StageCounts:
        found: dict[Verdict, int] = defaultdict(int)
        for line in lines:
            found[line.stages[pick].verdict] += 1
        return StageCounts(dict(found))

    return OrganLine(
        organ=name,
        documents=len(lines),
        arrival=counts(0),
        acceptance=counts(1),
        handling=counts(2),
        complete=sum(line.complete for line in lines),
        overdue=sum(line.overdue for line in lines),
    )


def _document_line(fact: FeedbackFact, judged: OverdueFacts) -> DocumentLine:
    now = judged.now
    return DocumentLine(
        document_id=fact.document_id,
        message_id=fact.message_id,
        sender=fact.sender,
        recipient=fact.recipient,
        stored_at=fact.stored_at,
        due_date=fact.due_date,
        arrival=_stage_line(judged.arrival, "01", now),
        acceptance=_stage_line(judged.acceptance, "03", now),
        handling=_stage_line(judged.handling, "06", now),
        last_code=judged.last_code.value if judged.last_code else None,
    )


def _stage_line(stage: StageFact, owed: str, now: datetime) -> StageLine:
    due = stage.due_at
    if stage.cancelled:
        verdict = Verdict.NOT_OWED if due is None else Verdict.MISSED
        return StageLine(owed, due, None, verdict, None)
    if stage.met_at is not None:
        if due is None:
            return StageLine(owed, None, stage.met_at, Verdict.MET, None)
        late = _seconds(stage.met_at) - due
        if late > timedelta(0):
            return StageLine(owed, due, stage.met_at, Verdict.LATE, late)
        return StageLine(owed, due, stage.met_at, Verdict.ON_TIME, None)
    if due is not None and _seconds(now) > due:
        return StageLine(owed, due, None, Verdict.OVERDUE, _seconds(now) - due)
    return StageLine(owed, due, None, Verdict.WAITING, None)


def _timeline(
    facts: Sequence[FeedbackFact],
    period: Period,
    as_of: datetime,
    calendar: WorkCalendar,
    policy: DeadlinePolicy,
) -> tuple[DayPoint, ...]:
    received: dict[date, int] = defaultdict(int)
    for f in facts:
        received[vn_date(f.stored_at)] += 1
    points = []
    for day in period.each_day():
        at = min(calendar.end_of_day(day).astimezone(UTC), as_of)
        if vn_date(at) < day:
            break  # the report was made before this day began
        late = 0
        for f in facts:
            if f.stored_at <= at:
                judged = judge_fact(f, calendar=calendar, policy=policy, now=at)
                late += any(
                    _stage_line(s, "", at).verdict is Verdict.OVERDUE for s in judged.stages
                )
        points.append(DayPoint(day, received[day], late))
    return tuple(points)


def _seconds(instant: datetime) -> datetime:
    """Judged to the second, as node.deadlines does (edXML has whole seconds)."""
    return instant.replace(microsecond=0)
