"""The working-day calendar (domain §6 [our rule]): which Vietnam dates are
working days, and the Vietnam date of an instant.

Calendar dates are Vietnam dates: an instant becomes a date in ``VN_TZ``
before any working-day arithmetic. Every datetime going in must be aware.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from node.model import VN_TZ

END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class WorkCalendar:
    """Mon–Fri (``weekend`` holds Python weekday numbers, Monday = 0) minus
    holidays, plus make-up working days (*ngày làm bù*: a Saturday worked in
    exchange for a bridge day off, as the government announces each year)."""

    holidays: frozenset[date] = frozenset()
    weekend: frozenset[int] = frozenset({5, 6})
    workdays: frozenset[date] = frozenset()
    """Days of the weekend that are working days (ngày làm bù)."""

    def __post_init__(self) -> None:
        bad = sorted(d for d in self.weekend if not 0 <= d <= 6)
        if bad:
            raise ValueError(f"weekend: weekday numbers must be 0 (Monday) to 6, got {bad}")
        if len(self.weekend) == 7:
            raise ValueError("weekend: at least one weekday must be a working day")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a holiday and a make-up working day")

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() not in self.weekend and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        return self._step(d, 1)

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        return self._step(d, -1)

    def add_working_days(self, d: date, n: int) -> date:
        """``n`` working days after ``d`` (before it if ``n`` < 0); ``d`` itself if 0."""
        step = 1 if n >= 0 else -1
        for _ in range(abs(n)):
            d = self._step(d, step)
        return d

    def end_of_day(self, d: date) -> datetime:
        """23:59:59 Vietnam time on ``d`` (aware, in VN_TZ)."""
        return datetime.combine(d, END_OF_DAY, tzinfo=VN_TZ)

    def _step(self, d: date, step: int) -> date:
        # Bounded: every run of days off is at most a weekend plus the holidays.
        for _ in range(len(self.holidays) + 8):
            d += timedelta(days=step)
            if self.is_working_day(d):
                return d
        raise AssertionError("unreachable: the calendar has working days")


def vn_date(instant: datetime) -> date:
    """The Vietnam calendar date of an aware instant."""
    return aware(instant, "instant").astimezone(VN_TZ).date()


def aware(value: datetime, name: str) -> datetime:
    """``value`` itself; a ValueError naming ``name`` if it is naive."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value
