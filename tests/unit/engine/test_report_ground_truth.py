"""The supervision report against a month worked out by hand (synthetic_month.py).

Judged at Tuesday 1 December 2026 10:00 (Vietnam), over 1-30 November:

received   docs  01 on/late   03 on/late/overdue   06 on/overdue/waiting/not-owed   complete
STTTT (D1-D4)  4     4/0          2/1/1                2/1/1/0                        2
UBND  (D5)     1     1/0          1/0/0                0/0/0/1                        1
VPCP  (D6)     1     0/1          1/0/0                0/0/1/0                        0

on time / judged: STTTT 8/11, UBND 2/2, VPCP 1/2; sent: UBND (D1-D4, D6) 9/13,
STTTT (D5) 2/2. Overdue: D4's 03 and 06, both due Thursday 26 23:59:59 and
4 d 10 h 00 m 01 s late. D3's 03 is late by 33 h 00 m 01 s (the make-up
Saturday was its deadline). Overdue pairs at the end of each day: 27 → 1 (D4),
28 → 1 (D3's 03 is due that very second, not yet late), 29 → 2, 30 → 1.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, timedelta
from typing import Any

import pytest

from adapters.http.models import report_json
from node.deadlines import DeadlinePolicy
from node.errors import BadRequest
from node.report import OrganLine, Period, Verdict, build_report
from node.report_format import format_delay, render_csv, render_text
from node.work_calendar import WorkCalendar
from tests.unit.engine.conftest import STTTT, UBND, VPCP, Node
from tests.unit.engine.synthetic_month import AS_OF, CALENDAR, HOLIDAY, play

NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)
V = Verdict


@pytest.fixture
async def month(make_node: Callable[..., Any]) -> tuple[Node, dict[str, str]]:
    node: Node = await make_node(calendar=CALENDAR)
    ids = await play(node)
    return node, ids


def figures(line: OrganLine) -> tuple[Any, ...]:
    def stage(counts: Any, *verdicts: Verdict) -> tuple[int, ...]:
        return tuple(counts[v] for v in verdicts)

    return (
        line.organ,
        line.documents,
        stage(line.arrival, V.ON_TIME, V.LATE),
        stage(line.acceptance, V.ON_TIME, V.LATE, V.OVERDUE),
        stage(line.handling, V.ON_TIME, V.OVERDUE, V.WAITING, V.NOT_OWED),
        (line.on_time, line.judged),
        line.complete,
        line.overdue,
    )


async def test_the_report_equals_the_hand_computed_month(
    month: tuple[Node, dict[str, str]],
) -> None:
    node, ids = month
    report = await node.admin.report(start=NOV_1, end=NOV_30)

    assert report.as_of == AS_OF
    assert [figures(o) for o in report.received] == [
        (VPCP, 1, (0, 1), (1, 0, 0), (0, 0, 1, 0), (1, 2), 0, 0),
        (UBND, 1, (1, 0), (1, 0, 0), (0, 0, 0, 1), (2, 2), 1, 0),
        (STTTT, 4, (4, 0), (2, 1, 1), (2, 1, 1, 0), (8, 11), 2, 1),
    ]
    assert [figures(o) for o in report.sent] == [
        (UBND, 5, (4, 1), (3, 1, 1), (2, 1, 2, 0), (9, 13), 2, 1),
        (STTTT, 1, (1, 0), (1, 0, 0), (0, 0, 0, 1), (2, 2), 1, 0),
    ]
    assert report.received[2].on_time_rate == pytest.approx(8 / 11)
    assert report.received[2].completeness == 0.5
    assert (report.total.documents, report.total.on_time, report.total.judged) == (6, 11, 15)
    assert ids["D0"] not in {d.document_id for d in report.documents}

    due_26 = AS_OF.replace(day=26, month=11, hour=23, minute=59, second=59).astimezone(UTC)
    late = timedelta(days=4, hours=10, seconds=1)
    assert [
        (o.document_id, o.sender, o.recipient, o.owed, o.due_at, o.late_by) for o in report.overdue
    ] == [
        (ids["D4"], UBND, STTTT, "03", due_26, late),
        (ids["D4"], UBND, STTTT, "06", due_26, late),
    ]
    (d3,) = [d for d in report.documents if d.document_id == ids["D3"]]
    assert (d3.acceptance.verdict, d3.acceptance.late_by) == (
        V.LATE,
        timedelta(hours=33, seconds=1),
    )
    assert not d3.complete

    overdue_by_day = {p.day.day: p.overdue for p in report.timeline}
    assert overdue_by_day == {d: 0 for d in range(1, 27)} | {27: 1, 28: 1, 29: 2, 30: 1}
    received_by_day = {p.day.day: p.received for p in report.timeline if p.received}
    assert received_by_day == {2: 1, 10: 1, 19: 1, 24: 1, 25: 1, 27: 1}


async def test_the_calendar_decides_two_of_the_verdicts(month: tuple[Node, dict[str, str]]) -> None:
    """Without the make-up Saturday D3's 03 (Monday 30) is on time; without the
    holiday D2's 03 (Monday 23) is late."""
    node, ids = month
    facts = await node.store.feedback_facts(organ=None, since=None)

    def verdict(calendar: WorkCalendar, name: str) -> Verdict:
        report = build_report(
            facts,
            period=Period(NOV_1, NOV_30),
            organ=STTTT,
            as_of=AS_OF,
            calendar=calendar,
            policy=DeadlinePolicy(),
        )
        (line,) = [d for d in report.documents if d.document_id == ids[name]]
        return line.acceptance.verdict

    assert verdict(CALENDAR, "D3") is V.LATE
    assert verdict(WorkCalendar(holidays=frozenset({HOLIDAY})), "D3") is V.ON_TIME
    assert verdict(CALENDAR, "D2") is V.ON_TIME
    assert verdict(WorkCalendar(workdays=CALENDAR.workdays), "D2") is V.LATE


async def test_one_organ_keeps_what_it_received_and_sent(
    month: tuple[Node, dict[str, str]],
) -> None:
    node, ids = month
    report = await node.admin.report(start=NOV_1, end=NOV_30, organ=STTTT)
    assert [o.organ for o in report.received] == [STTTT]
    assert [o.organ for o in report.sent] == [STTTT]
    assert {d.document_id for d in report.documents} == {
        ids[n] for n in ("D1", "D2", "D3", "D4", "D5")
    }


async def test_a_bad_period_is_a_clear_bad_request(month: tuple[Node, dict[str, str]]) -> None:
    node, _ = month
    with pytest.raises(BadRequest, match=r"ends .* before it starts"):
        await node.admin.report(start=NOV_30, end=NOV_1)
    with pytest.raises(BadRequest, match="at most 366 days"):
        await node.admin.report(start=date(2025, 1, 1), end=NOV_30)


async def test_text_and_csv_say_the_same(month: tuple[Node, dict[str, str]]) -> None:
    node, ids = month
    data = report_json(await node.admin.report(start=NOV_1, end=NOV_30))
    text = render_text(data)
    assert "000.00.12.H41  4     4/4         2/4            2/3" in text
    assert "72.7 %" in text
    assert f"{ids['D4']}  {UBND}  {STTTT}  03    " in text
    assert "4d 10h 00m 01s" in text
    rows = render_csv(data).splitlines()
    assert rows[0].startswith("document_id,message_id,sender,recipient,stored_at")
    (d4,) = [r for r in rows if r.startswith(f'"{ids["D4"]}"') or r.startswith(ids["D4"])]
    assert ",overdue," in d4
    assert d4.endswith(",no,381601")
    assert len(rows) == 1 + 6
    assert format_delay(timedelta(minutes=4)) == "4m 00s"
