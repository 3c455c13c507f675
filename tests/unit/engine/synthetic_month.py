"""A synthetic month of traffic with known answers, for the supervision report.

November 2026 on node 000.00.00.H41 (organs UBND and STTTT local, VPCP behind
a peer). Friday 20 is a holiday (a bridge day) made up on Saturday 28
(ngày làm bù). Each document is played through the real engine and store with
a fake clock: the document at its time, then each status at its chosen time
(the recipient's DMS for local organs, the peer for VPCP). The automatic 01 of
local recipients comes at storage.

The answers are worked out by hand in test_report_ground_truth.py, from the
comments here; nothing in this file computes a deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from node.model import VN_TZ, MessageKind
from node.ports.driven import Direction, Hop, TransferMeta
from node.work_calendar import WorkCalendar
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, PEER_VPCP, STTTT, UBND, VPCP, Node
from tests.unit.engine.messages import document, status

HOLIDAY = date(2026, 11, 20)  # Friday
MAKE_UP_SATURDAY = date(2026, 11, 28)
CALENDAR = WorkCalendar(holidays=frozenset({HOLIDAY}), workdays=frozenset({MAKE_UP_SATURDAY}))
AS_OF = datetime(2026, 12, 1, 10, 0, tzinfo=VN_TZ)  # Tuesday 1 December, 10:00
PRINCIPALS = {UBND: DMS_UBND, STTTT: DMS_STTTT}


def vn(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VN_TZ)


@dataclass(frozen=True)
class Planned:
    name: str
    sender: str
    recipient: str
    at: datetime
    due: date | None
    statuses: tuple[tuple[str, datetime], ...]
    """(code, when) sent by the recipient (02/03/06; 01 too for a remote one)."""


MONTH = (
    # D0: Saturday 31 October 23:30 in Vietnam (16:30 UTC): outside November
    # although its UTC day is the 31st too; never answered, overdue by now.
    Planned("D0", UBND, STTTT, vn(10, 31, 23, 30), None, ()),
    # D1: Monday 2, all on time: 03 due by the end of Tuesday 3 (the next
    # working day after arrival), 06 by the end of Friday 6 (its DueDate).
    Planned(
        "D1",
        UBND,
        STTTT,
        vn(11, 2, 9),
        date(2026, 11, 6),
        (("03", vn(11, 3, 16)), ("06", vn(11, 5, 10))),
    ),
    # D2: Thursday 19: the next working day is Monday 23 (Friday 20 is the
    # holiday), so 03 on Monday 11:00 is on time; DueDate Friday 20 rolls to
    # Monday 23, 06 at 17:00 is on time.
    Planned(
        "D2",
        UBND,
        STTTT,
        vn(11, 19, 15),
        HOLIDAY,
        (("03", vn(11, 23, 11)), ("06", vn(11, 23, 17))),
    ),
    # D3: Friday 27: the next working day is the make-up Saturday 28, so 03
    # on Monday 30 09:00 is late by 33 h 00 m 01 s; no DueDate, no 06 yet.
    Planned("D3", UBND, STTTT, vn(11, 27, 14), None, (("03", vn(11, 30, 9)),)),
    # D4: Wednesday 25, never answered: 03 due end of Thursday 26 and 06 due
    # end of Thursday 26 (its DueDate), both overdue by 4 d 10 h 00 m 01 s.
    Planned("D4", UBND, STTTT, vn(11, 25, 10), date(2026, 11, 26), ()),
    # D5: STTTT to UBND, Tuesday 10; UBND refuses it (02) Wednesday 08:00, on
    # time; the refusal ends the handling (06 not owed).
    Planned("D5", STTTT, UBND, vn(11, 10, 9), date(2026, 11, 20), (("02", vn(11, 11, 8)),)),
    # D6: UBND to VPCP (a peer), Tuesday 24 09:00: 01 comes from the peer at
    # 09:05 (limit 1 minute: late by 4 m 00 s); 03 Wednesday 10:00, on time.
    Planned(
        "D6",
        UBND,
        VPCP,
        vn(11, 24, 9),
        None,
        (("01", vn(11, 24, 9, 5)), ("03", vn(11, 25, 10))),
    ),
)


async def play(node: Node, plan: tuple[Planned, ...] = MONTH) -> dict[str, str]:
    """Run the plan in time order; the DocumentId of each planned document."""
    events: list[tuple[datetime, int, Planned, str | None]] = []
    for p in plan:
        events.append((p.at, 0, p, None))
        events.extend((at, 1, p, code) for code, at in p.statuses)
    ids: dict[str, str] = {}
    for n, (at, _, p, code) in enumerate(sorted(events, key=lambda e: (e[0], e[1]))):
        node.clock.set(at.astimezone(UTC))
        if code is None:
            data, ids[p.name] = document(p.sender, (p.recipient,), due=p.due)
            principal = PRINCIPALS[p.sender]
            await node.submit(data, principal)
            continue
        body = status(p.recipient, ids[p.name], code, at.astimezone(UTC))
        if p.recipient in PRINCIPALS:
            await node.submit(body, PRINCIPALS[p.recipient], MessageKind.STATUS)
        else:
            hops = (Hop(p.recipient, at - timedelta(seconds=1), Direction.OUT),)
            meta = TransferMeta(f"synthetic-{n}", MessageKind.STATUS, (p.sender,), hops)
            await node.exchange.receive(node.body(body), peer=PEER_VPCP, meta=meta)
    node.clock.set(AS_OF.astimezone(UTC))
    return ids
