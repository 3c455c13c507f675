"""The working-day calendar: weekends, holidays, Vietnam dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.model import VN_TZ
from node.work_calendar import WorkCalendar, vn_date

NATIONAL_DAY_2024 = frozenset({date(2024, 9, 2), date(2024, 9, 3)})  # Mon, Tue
TET_2025 = frozenset(date(2025, 1, d) for d in range(27, 32))  # Mon 27 .. Fri 31 Jan
CAL = WorkCalendar(NATIONAL_DAY_2024 | TET_2025)


def test_weekends_and_holidays_are_not_working_days() -> None:
    assert CAL.is_working_day(date(2024, 8, 30))  # Friday
    assert not CAL.is_working_day(date(2024, 8, 31))  # Saturday
    assert not CAL.is_working_day(date(2024, 9, 1))  # Sunday
    assert not CAL.is_working_day(date(2024, 9, 2))  # holiday
    assert CAL.is_working_day(date(2024, 9, 4))


def test_next_working_day_skips_weekend_and_holidays() -> None:
    assert CAL.next_working_day(date(2024, 8, 29)) == date(2024, 8, 30)
    assert CAL.next_working_day(date(2024, 8, 30)) == date(2024, 9, 4)
    assert CAL.next_working_day(date(2024, 8, 31)) == date(2024, 9, 4)
    assert CAL.next_working_day(date(2025, 1, 24)) == date(2025, 2, 3)  # nine days of Tết


def test_previous_working_day() -> None:
    assert CAL.previous_working_day(date(2024, 9, 4)) == date(2024, 8, 30)
    assert CAL.previous_working_day(date(2025, 2, 3)) == date(2025, 1, 24)


def test_add_working_days() -> None:
    assert CAL.add_working_days(date(2024, 8, 29), 0) == date(2024, 8, 29)
    assert CAL.add_working_days(date(2024, 8, 31), 0) == date(2024, 8, 31)
    assert CAL.add_working_days(date(2024, 8, 29), 3) == date(2024, 9, 5)
    assert CAL.add_working_days(date(2024, 9, 5), -3) == date(2024, 8, 29)
    assert CAL.add_working_days(date(2025, 1, 23), 2) == date(2025, 2, 3)


def test_custom_weekend() -> None:
    six_day_week = WorkCalendar(frozenset(), weekend=frozenset({6}))
    assert six_day_week.is_working_day(date(2024, 8, 31))
    assert six_day_week.next_working_day(date(2024, 8, 31)) == date(2024, 9, 2)


@pytest.mark.parametrize(
    ("weekend", "message"),
    [
        (frozenset({5, 7}), r"weekend: weekday numbers must be 0 \(Monday\) to 6, got \[7\]"),
        (frozenset(range(7)), "at least one weekday must be a working day"),
    ],
)
def test_bad_weekend_is_refused(weekend: frozenset[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(frozenset(), weekend=weekend)


def test_end_of_day_is_235959_vietnam_time() -> None:
    end = CAL.end_of_day(date(2024, 9, 4))
    assert end == datetime(2024, 9, 4, 23, 59, 59, tzinfo=VN_TZ)
    assert end.astimezone(UTC) == datetime(2024, 9, 4, 16, 59, 59, tzinfo=UTC)


def test_vn_date_of_instants_near_midnight() -> None:
    assert vn_date(datetime(2024, 8, 29, 16, 59, 59, tzinfo=UTC)) == date(2024, 8, 29)
    assert vn_date(datetime(2024, 8, 29, 17, 0, 0, tzinfo=UTC)) == date(2024, 8, 30)
    assert vn_date(datetime(2024, 8, 30, 0, 30, tzinfo=VN_TZ)) == date(2024, 8, 30)


def test_vn_date_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="must be timezone-aware"):
        vn_date(datetime(2024, 8, 29, 12, 0))


holidays = st.frozensets(st.dates(date(2024, 1, 1), date(2024, 12, 31)), max_size=40)
days = st.dates(date(2023, 12, 1), date(2025, 1, 31))


@given(holidays, days, st.integers(0, 30))
def test_add_working_days_lands_on_working_days_and_counts_them(
    off: frozenset[date], start: date, n: int
) -> None:
    cal = WorkCalendar(off)
    end = cal.add_working_days(start, n)
    span = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(cal.is_working_day(d) for d in span) == n
    if n:
        assert cal.is_working_day(end)
    if n and cal.is_working_day(start):
        assert cal.add_working_days(end, -n) == start
    elif n:
        assert cal.add_working_days(end, -n) == cal.previous_working_day(start)


MAKE_UP = WorkCalendar(
    holidays=frozenset({date(2026, 11, 20)}), workdays=frozenset({date(2026, 11, 28)})
)


def test_a_make_up_saturday_is_a_working_day() -> None:
    assert MAKE_UP.is_working_day(date(2026, 11, 28))  # Saturday, ngày làm bù
    assert not MAKE_UP.is_working_day(date(2026, 11, 29))  # Sunday
    assert not MAKE_UP.is_working_day(date(2026, 11, 20))  # the bridge holiday
    assert MAKE_UP.next_working_day(date(2026, 11, 27)) == date(2026, 11, 28)
    assert MAKE_UP.next_working_day(date(2026, 11, 19)) == date(2026, 11, 23)
    assert MAKE_UP.add_working_days(date(2026, 11, 26), 2) == date(2026, 11, 28)


def test_a_day_cannot_be_both_holiday_and_make_up_day() -> None:
    with pytest.raises(ValueError, match="2026-11-28 is both a holiday and a make-up"):
        WorkCalendar(
            holidays=frozenset({date(2026, 11, 28)}), workdays=frozenset({date(2026, 11, 28)})
        )
