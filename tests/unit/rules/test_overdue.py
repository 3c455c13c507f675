"""Which expected status is overdue, whether each came on time, and the
per-organ figures built from that."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from node.deadlines import (
    DeadlinePolicy,
    Deadlines,
    OverdueFacts,
    deadlines,
    feedback_figures,
    overdue,
)
from node.model import StatusCode as S
from node.work_calendar import WorkCalendar

CAL = WorkCalendar(frozenset({date(2024, 9, 2), date(2024, 9, 3)}))
STORED = datetime(2024, 8, 29, 2, 0, tzinfo=UTC)  # Thursday 09:00 in Vietnam
ARRIVED = STORED + timedelta(seconds=10)
ACCEPT_BY = datetime(2024, 8, 30, 16, 59, 59, tzinfo=UTC)  # Friday 23:59:59 VN
DONE_BY = datetime(2024, 9, 6, 16, 59, 59, tzinfo=UTC)  # DueDate Friday 6 Sep
LATER = datetime(2024, 12, 1, tzinfo=UTC)


def limits(arrived: datetime | None = ARRIVED, due: date | None = date(2024, 9, 6)) -> Deadlines:
    return deadlines(
        STORED, arrived_at=arrived, due_date=due, calendar=CAL, policy=DeadlinePolicy()
    )


def facts(history: list[tuple[str, datetime]], now: datetime, **kw: object) -> OverdueFacts:
    return overdue(limits(**kw), [(S(c), t) for c, t in history], now)  # type: ignore[arg-type]


def test_the_limits_used_here() -> None:
    assert limits() == Deadlines(STORED + timedelta(minutes=1), ACCEPT_BY, DONE_BY)


def test_nothing_yet_and_not_due_is_pending_but_not_overdue() -> None:
    f = facts([], STORED + timedelta(seconds=30), arrived=None)
    assert f.pending is not None
    assert f.pending.expected is S.ARRIVED
    assert not f.overdue
    assert f.expected is None
    assert f.due_at == STORED + timedelta(minutes=1)
    assert f.judged() == (0, 0)


def test_missing_01_after_a_minute_is_overdue() -> None:
    f = facts([], STORED + timedelta(minutes=2), arrived=None)
    assert f.overdue
    assert f.expected is S.ARRIVED
    assert f.last_code is None
    assert f.judged() == (0, 1)


def test_missing_03_after_the_next_working_day_is_overdue() -> None:
    history = [("01", ARRIVED)]
    assert not facts(history, ACCEPT_BY).overdue
    f = facts(history, ACCEPT_BY + timedelta(seconds=1))
    assert f.expected is S.ACCEPTED
    assert f.due_at == ACCEPT_BY
    assert f.last_code is S.ARRIVED
    assert f.judged() == (1, 2)


def test_missing_06_after_the_due_date_is_overdue() -> None:
    history = [("01", ARRIVED), ("03", ARRIVED + timedelta(hours=1)), ("05", ARRIVED)]
    f = facts(history, DONE_BY + timedelta(seconds=1))
    assert f.expected is S.DONE
    assert f.accepted
    assert not f.finished
    assert f.judged() == (2, 3)


def test_without_due_date_06_is_never_overdue() -> None:
    f = facts([("01", ARRIVED), ("03", ARRIVED)], LATER, due=None)
    assert f.pending is not None
    assert f.pending.expected is S.DONE
    assert not f.overdue
    assert f.judged() == (2, 2)


def test_finished_on_time() -> None:
    history = [("01", ARRIVED), ("03", ARRIVED), ("06", DONE_BY)]
    f = facts(history, LATER)
    assert f.pending is None
    assert not f.overdue
    assert (f.arrived, f.accepted, f.done, f.finished) == (True, True, True, True)
    assert f.judged() == (3, 3)


def test_late_statuses_still_count_but_not_on_time() -> None:
    history = [("01", ARRIVED), ("03", LATER), ("06", LATER)]
    f = facts(history, LATER)
    assert not f.overdue
    assert f.done
    assert f.judged() == (1, 3)


def test_refusal_meets_arrival_and_acceptance_and_ends_handling() -> None:
    f = facts([("01", ARRIVED), ("02", ARRIVED + timedelta(hours=2))], LATER)
    assert f.refused
    assert f.finished
    assert not f.accepted
    assert not f.overdue
    assert f.handling.cancelled
    assert f.judged() == (2, 2)


def test_refusal_on_receipt_counts_as_the_arrival_answer() -> None:
    f = facts([("02", ARRIVED)], LATER)
    assert f.arrived
    assert f.judged() == (2, 2)


def test_recall_before_arrival_cancels_what_was_not_due_yet() -> None:
    recall = [("13", STORED), ("15", STORED + timedelta(seconds=20))]
    f = facts(recall, LATER, arrived=None)
    assert f.recalled
    assert f.finished
    assert not f.overdue
    assert f.judged() == (0, 0)


def test_recall_after_a_missed_deadline_leaves_it_late() -> None:
    recalled_at = ACCEPT_BY + timedelta(days=1)  # after 03 was due, before 06 is
    recall = [("01", ARRIVED), ("13", recalled_at), ("15", recalled_at)]
    f = facts(recall, LATER)
    assert not f.overdue
    assert f.acceptance.cancelled
    assert f.judged() == (1, 2)  # 01 on time, 03 missed; 06 was not due before the recall


def test_refused_recall_changes_nothing() -> None:
    history = [("01", ARRIVED), ("13", ARRIVED), ("16", ARRIVED)]
    f = facts(history, ACCEPT_BY + timedelta(seconds=1))
    assert f.expected is S.ACCEPTED
    assert f.last_code is S.RECALL_REFUSED


def test_punctuality_is_judged_to_the_second() -> None:
    arrive_by = STORED + timedelta(minutes=1)
    in_time = facts([("01", arrive_by + timedelta(microseconds=900_000))], LATER, arrived=None)
    late = facts([("01", arrive_by + timedelta(seconds=1))], LATER, arrived=None)
    assert in_time.arrival.on_time(LATER) is True
    assert late.arrival.on_time(LATER) is False


def test_first_occurrence_counts_whatever_the_order_given() -> None:
    history = [("05", ARRIVED + timedelta(hours=3)), ("01", ARRIVED), ("03", ARRIVED)]
    f = facts(history, LATER)
    assert f.arrival.met_at == ARRIVED
    assert f.last_code is S.ACCEPTED  # the last one given


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time of status 01 must be timezone-aware"):
        facts([("01", datetime(2024, 8, 29, 2, 0))], LATER)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        facts([], datetime(2024, 8, 29, 2, 0))


def test_figures_over_an_organs_pairs() -> None:
    items = [
        facts([("01", ARRIVED), ("03", ARRIVED), ("06", DONE_BY)], LATER),  # 3/3 on time
        facts([("01", ARRIVED), ("02", ARRIVED)], LATER),  # refused: 2/2
        facts([("01", ARRIVED)], LATER),  # 03 overdue, 06 missed too: 1/3
        facts([], LATER, arrived=None),  # 01 overdue, all three missed: 0/3
        facts([("13", STORED), ("15", STORED)], LATER, arrived=None),  # recalled: 0/0
    ]
    figures = feedback_figures(items)
    assert figures.documents == 5
    assert figures.arrived == 3
    assert figures.accepted == 1
    assert figures.refused == 1
    assert figures.done == 1
    assert figures.overdue == 2
    assert figures.on_time_rate == pytest.approx(6 / 11)
    assert figures.completeness == pytest.approx(3 / 5)


def test_figures_of_nothing_have_no_rates() -> None:
    figures = feedback_figures([])
    assert figures.documents == 0
    assert figures.on_time_rate is None
    assert figures.completeness is None


def test_figures_with_nothing_due_yet_have_no_on_time_rate() -> None:
    figures = feedback_figures([facts([], STORED, arrived=None)])
    assert figures.documents == 1
    assert figures.on_time_rate is None
    assert figures.completeness == 0.0
