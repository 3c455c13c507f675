"""Feedback deadlines of domain §6: 01 within a minute, 02/03 by the end of the
next working day, 06 by the DueDate; all judged in Vietnam dates, output in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from node.deadlines import DeadlinePolicy, deadlines
from node.model import VN_TZ
from node.work_calendar import WorkCalendar

CAL = WorkCalendar(frozenset({date(2024, 9, 2), date(2024, 9, 3)}))  # National Day, Mon+Tue
POLICY = DeadlinePolicy()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_01_is_due_a_minute_after_storage() -> None:
    stored = utc(2024, 8, 29, 3, 0, 0)
    d = deadlines(stored, arrived_at=None, due_date=None, calendar=CAL, policy=POLICY)
    assert d.arrive_by == utc(2024, 8, 29, 3, 1, 0)
    assert d.done_by is None


def test_accept_is_due_at_the_end_of_the_next_working_day_after_arrival() -> None:
    arrived = datetime(2024, 8, 29, 9, 0, tzinfo=VN_TZ)  # Thursday morning
    d = deadlines(arrived, arrived_at=arrived, due_date=None, calendar=CAL, policy=POLICY)
    assert d.accept_by == utc(2024, 8, 30, 16, 59, 59)  # Friday 23:59:59 VN


def test_accept_deadline_skips_the_weekend_and_holidays() -> None:
    arrived = datetime(2024, 8, 30, 9, 0, tzinfo=VN_TZ)  # Friday before National Day
    d = deadlines(arrived, arrived_at=arrived, due_date=None, calendar=CAL, policy=POLICY)
    assert d.accept_by == utc(2024, 9, 4, 16, 59, 59)  # Wednesday


def test_arrival_near_midnight_counts_in_vietnam_time_not_utc() -> None:
    before = utc(2024, 8, 29, 16, 59, 59)  # Thu 23:59:59 in Vietnam
    after = utc(2024, 8, 29, 17, 0, 0)  # Fri 00:00:00 in Vietnam (still Thursday in UTC)
    at = {
        t: deadlines(t, arrived_at=t, due_date=None, calendar=CAL, policy=POLICY).accept_by
        for t in (before, after)
    }
    assert at[before] == utc(2024, 8, 30, 16, 59, 59)  # Friday
    assert at[after] == utc(2024, 9, 4, 16, 59, 59)  # Wednesday


def test_accept_deadline_runs_from_storage_until_the_document_arrives() -> None:
    stored = datetime(2024, 8, 29, 9, 0, tzinfo=VN_TZ)
    not_yet = deadlines(stored, arrived_at=None, due_date=None, calendar=CAL, policy=POLICY)
    arrived = deadlines(
        stored,
        arrived_at=datetime(2024, 8, 30, 8, 0, tzinfo=VN_TZ),
        due_date=None,
        calendar=CAL,
        policy=POLICY,
    )
    assert not_yet.accept_by == utc(2024, 8, 30, 16, 59, 59)
    assert arrived.accept_by == utc(2024, 9, 4, 16, 59, 59)


def test_done_is_due_at_the_end_of_the_due_date_in_vietnam() -> None:
    stored = utc(2024, 8, 26, 2, 0, 0)
    d = deadlines(
        stored, arrived_at=stored, due_date=date(2024, 8, 30), calendar=CAL, policy=POLICY
    )
    assert d.done_by == utc(2024, 8, 30, 16, 59, 59)


def test_due_date_on_a_holiday_moves_to_the_next_working_day() -> None:
    stored = utc(2024, 8, 26, 2, 0, 0)
    rolled = deadlines(
        stored, arrived_at=stored, due_date=date(2024, 9, 2), calendar=CAL, policy=POLICY
    )
    assert rolled.done_by == utc(2024, 9, 4, 16, 59, 59)
    as_written = deadlines(
        stored,
        arrived_at=stored,
        due_date=date(2024, 9, 2),
        calendar=CAL,
        policy=DeadlinePolicy(roll_due_date=False),
    )
    assert as_written.done_by == utc(2024, 9, 2, 16, 59, 59)


def test_policy_is_configurable() -> None:
    policy = DeadlinePolicy(arrived_within=timedelta(minutes=5), accept_working_days=2)
    stored = datetime(2024, 8, 29, 9, 0, tzinfo=VN_TZ)
    d = deadlines(stored, arrived_at=stored, due_date=None, calendar=CAL, policy=policy)
    assert d.arrive_by == utc(2024, 8, 29, 2, 5, 0)
    assert d.accept_by == utc(2024, 9, 4, 16, 59, 59)


def test_deadlines_are_utc() -> None:
    stored = datetime(2024, 8, 29, 9, 0, tzinfo=VN_TZ)
    d = deadlines(stored, arrived_at=stored, due_date=date(2024, 9, 9), calendar=CAL, policy=POLICY)
    assert d.done_by is not None
    assert {t.utcoffset() for t in (d.arrive_by, d.accept_by, d.done_by)} == {timedelta(0)}
    assert d.arrive_by.tzinfo is UTC


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arrived_within": timedelta(0)}, "arrived_within must be positive"),
        ({"accept_working_days": 0}, "accept_working_days must be at least 1"),
    ],
)
def test_bad_policy_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DeadlinePolicy(**kwargs)  # type: ignore[arg-type]


def test_naive_storage_time_is_refused() -> None:
    with pytest.raises(ValueError, match="stored_at must be timezone-aware"):
        deadlines(
            datetime(2024, 8, 29, 9, 0),
            arrived_at=None,
            due_date=None,
            calendar=CAL,
            policy=POLICY,
        )
