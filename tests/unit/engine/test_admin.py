"""Admin: search, detail, resend refusals, overdue items and feedback figures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from node.errors import Conflict, NotFound
from node.model import MessageKind
from node.store.records import NewCheckpoint
from tests.support.messages import document, status
from tests.unit.engine.conftest import DMS_STTTT, STTTT, T0, UBND, VPCP, Node


async def test_search_finds_by_organ_and_state(node: Node) -> None:
    data, _ = document(UBND, (VPCP,))
    remote = await node.submit(data)
    local_data, _ = document(UBND, (STTTT,))
    await node.submit(local_data)

    page = await node.admin.search(organ=VPCP)
    assert [m.id for m in page.items] == [remote.id]
    pending = await node.admin.search(state="pending")
    assert [m.id for m in pending.items] == [remote.id]
    everything = await node.admin.search(limit=2)
    rest = await node.admin.search(limit=2, cursor=everything.next_cursor)
    assert len(everything.items) + len(rest.items) == 3  # two documents and one 01


async def test_detail_shows_the_verification_report(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    result = await node.submit(data)
    detail = await node.admin.detail(result.id)
    assert detail.summary.id == result.id
    assert detail.verification["accepted"] is True
    assert detail.verification["report"] == {"signatures": 1, "fake": True}
    assert detail.trace.statuses[0].code == "01"


async def test_unknown_messages_and_nothing_to_resend_are_clear(node: Node) -> None:
    with pytest.raises(NotFound):
        await node.admin.detail("nope")
    with pytest.raises(NotFound):
        await node.admin.resend("nope", actor="alice")
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    with pytest.raises(Conflict, match="no dead-lettered delivery"):
        await node.admin.resend(result.id, actor="alice")
    actions = [e.action for e in await node.store.audit_entries(limit=10, after=None)]
    assert actions == ["accept"], "no resend recorded"


async def test_overdue_items_and_figures_follow_the_calendar(node: Node) -> None:
    # Friday 2026-11-20 10:00 in Vietnam: 01 at once (automatic), 03 due by the end of
    # the next working day (Monday 23), 06 by the DueDate.
    answered, answered_id = document(UBND, (STTTT,), due=date(2026, 11, 24))
    silent, silent_id = document(UBND, (STTTT,), due=date(2026, 11, 24))
    await node.submit(answered)
    await node.submit(silent)
    node.clock.advance(timedelta(hours=2))
    await node.submit(
        status(STTTT, answered_id, "03", node.clock.now()), DMS_STTTT, MessageKind.STATUS
    )

    node.clock.set(T0 + timedelta(days=2))  # Sunday: nothing due yet
    assert await node.admin.overdue() == ()

    node.clock.set(T0 + timedelta(days=4))  # Tuesday 10:00: the silent one's 03 is late
    (late,) = await node.admin.overdue(STTTT)
    assert (late.document_id, late.recipient, late.expected, late.last_code) == (
        silent_id,
        STTTT,
        "03",
        "01",
    )

    (figures,) = await node.admin.feedback_stats(STTTT)
    assert (
        figures.organ,
        figures.documents,
        figures.arrived,
        figures.accepted,
        figures.overdue,
    ) == (
        STTTT,
        2,
        2,
        1,
        1,
    )
    assert figures.completeness == 0.0
    assert figures.on_time_rate is not None
    assert 0 < figures.on_time_rate < 1
    assert await node.admin.feedback_stats(since=T0 + timedelta(days=1)) == ()


async def test_audit_log_verification_reports_the_chain(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    result = await node.submit(data)
    await node.exchange.ack(result.id, DMS_STTTT)
    check = await node.admin.verify_audit_log()
    assert check.intact
    actions = [e.action for e in await node.store.audit_entries(limit=10, after=None)]
    assert actions == ["accept", "generate", "record-status", "ack"], "document, its 01, the ack"
    assert check.entries == 4


def _checkpoint(entries: int, head: str) -> NewCheckpoint:
    return NewCheckpoint(
        at=T0,
        entries=entries,
        head=head,
        reason="interval",
        payload="{}",
        signature="",
        algorithm="rsa-sha256",
        certificates="",
    )


async def test_audit_log_verification_finds_a_tail_cut_behind_a_checkpoint(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    await node.submit(data)
    count, head = await node.store.audit_head()
    await node.store.add_checkpoint(_checkpoint(count, head))
    assert (await node.admin.verify_audit_log()).intact

    await node.store.add_checkpoint(_checkpoint(count + 2, "f" * 64))  # the log lost 2 entries
    check = await node.admin.verify_audit_log()
    assert (check.intact, check.first_bad_entry) == (False, count + 1)
    assert "missing tail" in check.detail


async def test_audit_log_verification_finds_a_recomputed_chain(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    await node.submit(data)
    count, _ = await node.store.audit_head()
    await node.store.add_checkpoint(_checkpoint(count, "0" * 64))  # signed another head
    check = await node.admin.verify_audit_log()
    assert (check.intact, check.first_bad_entry) == (False, count)
    assert "rewritten" in check.detail
