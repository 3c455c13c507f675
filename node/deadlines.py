"""Feedback deadlines (domain §6 [our rule]) and the figures supervisors read
from them; the working-day calendar itself is :mod:`node.work_calendar`.

Calendar dates are Vietnam dates: an instant becomes a date in ``VN_TZ``
before any working-day arithmetic, and a deadline is the end of a Vietnam
day. Every datetime going in must be aware; every one coming out is UTC.

Defaults (all in :class:`DeadlinePolicy`): 01 is due within 1 minute of
storage in the recipient's inbox; 02/03 by the end of the next working day
after arrival (after storage while the document has not arrived); 06 by the
end of the document's DueDate. A DueDate on a weekend or holiday moves to the
end of the next working day (as BLDS 2015 Điều 148 khoản 5 does for periods
ending on a day off); ``roll_due_date=False`` keeps it as written.

Punctuality is judged to the second (edXML timestamps carry whole seconds).
Pure: the caller passes ``now`` and the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from node.model import StatusCode
from node.work_calendar import WorkCalendar, vn_date
from node.work_calendar import aware as _aware

S = StatusCode


@dataclass(frozen=True)
class DeadlinePolicy:
    arrived_within: timedelta = timedelta(minutes=1)
    """01 is due this long after storage in the recipient's inbox."""
    accept_working_days: int = 1
    """02/03 are due by the end of this many working days after arrival."""
    roll_due_date: bool = True
    """A DueDate on a day off moves to the next working day."""

    def __post_init__(self) -> None:
        if self.arrived_within <= timedelta(0):
            raise ValueError(f"arrived_within must be positive, got {self.arrived_within}")
        if self.accept_working_days < 1:
            raise ValueError(
                f"accept_working_days must be at least 1, got {self.accept_working_days}"
            )


@dataclass(frozen=True)
class Deadlines:
    """When each expected status is due (UTC, aware)."""

    arrive_by: datetime
    accept_by: datetime
    done_by: datetime | None
    """None: the document has no DueDate, so 06 has no deadline."""


def deadlines(
    stored_at: datetime,
    *,
    arrived_at: datetime | None,
    due_date: date | None,
    calendar: WorkCalendar,
    policy: DeadlinePolicy,
) -> Deadlines:
    """The deadlines of one (document, recipient) pair.

    ``stored_at``: when the document was stored in the recipient's inbox;
    ``arrived_at``: when its 01 was recorded (None if not yet)."""
    stored_at = _aware(stored_at, "stored_at")
    start = vn_date(arrived_at if arrived_at is not None else stored_at)
    accept_day = calendar.add_working_days(start, policy.accept_working_days)
    done_by = None
    if due_date is not None:
        if policy.roll_due_date and not calendar.is_working_day(due_date):
            due_date = calendar.next_working_day(due_date)
        done_by = _utc(calendar.end_of_day(due_date))
    return Deadlines(
        arrive_by=_utc(stored_at + policy.arrived_within),
        accept_by=_utc(calendar.end_of_day(accept_day)),
        done_by=done_by,
    )


@dataclass(frozen=True)
class StageFact:
    """One expected status of a (document, recipient) pair and how it went."""

    expected: StatusCode
    """01 (arrival), 03 (acceptance; 02 also meets it) or 06 (handling)."""
    due_at: datetime | None
    met_at: datetime | None
    """When a status meeting it came; None if none did."""
    cancelled: bool = False
    """No longer expected: taken back (15), or handling refused (02)."""

    def on_time(self, now: datetime) -> bool | None:
        """True/False once it is judged; None while not due, without deadline, or
        cancelled before it was due."""
        if self.due_at is None:
            return None
        if self.met_at is not None:
            return not _later(self.met_at, self.due_at)
        if _later(now, self.due_at):
            return False
        return None


@dataclass(frozen=True)
class OverdueFacts:
    """Where one (document, recipient) pair stands against its deadlines."""

    arrival: StageFact
    acceptance: StageFact
    handling: StageFact
    last_code: StatusCode | None
    refused: bool
    recalled: bool
    now: datetime

    @property
    def pending(self) -> StageFact | None:
        """The first expected status not met yet and not cancelled."""
        for stage in self.stages:
            if stage.met_at is None and not stage.cancelled:
                return stage
        return None

    @property
    def overdue(self) -> bool:
        stage = self.pending
        return stage is not None and stage.due_at is not None and _later(self.now, stage.due_at)

    @property
    def expected(self) -> StatusCode | None:
        """The status that is overdue ("01", "03" or "06"), or None if none is."""
        stage = self.pending
        return stage.expected if stage is not None and self.overdue else None

    @property
    def due_at(self) -> datetime | None:
        stage = self.pending
        return stage.due_at if stage is not None else None

    @property
    def stages(self) -> tuple[StageFact, StageFact, StageFact]:
        return (self.arrival, self.acceptance, self.handling)

    @property
    def arrived(self) -> bool:
        return self.arrival.met_at is not None

    @property
    def accepted(self) -> bool:
        return self.acceptance.met_at is not None and not self.refused

    @property
    def done(self) -> bool:
        return self.handling.met_at is not None

    @property
    def finished(self) -> bool:
        """Handling reached its end: 06, 02 or 15."""
        return self.done or self.refused or self.recalled

    def judged(self) -> tuple[int, int]:
        """(on time, judged) over the stages whose punctuality is known."""
        verdicts = [s.on_time(self.now) for s in self.stages]
        known = [v for v in verdicts if v is not None]
        return (sum(known), len(known))


def overdue(
    deadlines: Deadlines,
    history_with_times: Iterable[tuple[StatusCode, datetime]],
    now: datetime,
) -> OverdueFacts:
    """Judge one pair's history (code, when) against its deadlines at ``now``."""
    now = _aware(now, "now")
    first: dict[StatusCode, datetime] = {}
    last_code: StatusCode | None = None
    for raw, at in history_with_times:
        code = StatusCode(raw)
        at = _aware(at, f"time of status {code}")
        if code not in first or at < first[code]:
            first[code] = at
        last_code = code
    refused_at = first.get(S.REFUSED)
    recalled_at = first.get(S.RECALLED)
    arrival = _stage(S.ARRIVED, deadlines.arrive_by, first, (S.ARRIVED, S.REFUSED), recalled_at)
    acceptance = _stage(
        S.ACCEPTED, deadlines.accept_by, first, (S.ACCEPTED, S.REFUSED), recalled_at
    )
    handling = _stage(
        S.DONE, deadlines.done_by, first, (S.DONE,), _earliest(refused_at, recalled_at)
    )
    return OverdueFacts(
        arrival=arrival,
        acceptance=acceptance,
        handling=handling,
        last_code=last_code,
        refused=refused_at is not None,
        recalled=recalled_at is not None,
        now=now,
    )


def _stage(
    expected: StatusCode,
    due_at: datetime | None,
    first: dict[StatusCode, datetime],
    meeting: tuple[StatusCode, ...],
    cancelled_at: datetime | None,
) -> StageFact:
    met_at = _earliest(*(first.get(c) for c in meeting))
    if met_at is not None or cancelled_at is None:
        return StageFact(expected, due_at, met_at)
    if due_at is not None and _later(cancelled_at, due_at):
        # It was already late when the pair ended: it stays late, never overdue.
        return StageFact(expected, due_at, None, cancelled=True)
    return StageFact(expected, None, None, cancelled=True)


@dataclass(frozen=True)
class FeedbackFigures:
    """Supervision figures over many (document, recipient) pairs (e.g. one organ's)."""

    documents: int
    arrived: int
    accepted: int
    refused: int
    done: int
    overdue: int
    on_time_rate: float | None
    """Share of judged expected statuses that came on time; None if none judged."""
    completeness: float | None
    """Share of pairs whose handling ended (06, 02 or 15); None if no pairs."""


def feedback_figures(items: Iterable[OverdueFacts]) -> FeedbackFigures:
    documents = arrived = accepted = refused = done = late = finished = 0
    on_time = judged = 0
    for item in items:
        documents += 1
        arrived += item.arrived
        accepted += item.accepted
        refused += item.refused
        done += item.done
        late += item.overdue
        finished += item.finished
        good, count = item.judged()
        on_time += good
        judged += count
    return FeedbackFigures(
        documents=documents,
        arrived=arrived,
        accepted=accepted,
        refused=refused,
        done=done,
        overdue=late,
        on_time_rate=on_time / judged if judged else None,
        completeness=finished / documents if documents else None,
    )


def _later(instant: datetime, due_at: datetime) -> bool:
    """``instant`` is past ``due_at``, judged to the second: edXML timestamps have
    whole seconds, and a deadline of 23:59:59 covers that whole second."""
    return instant.replace(microsecond=0) > due_at


def _earliest(*instants: datetime | None) -> datetime | None:
    present = [i for i in instants if i is not None]
    return min(present) if present else None


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
