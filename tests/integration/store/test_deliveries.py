"""Recording attempts: delivered, retried, dead-lettered with a notice, resent."""

from __future__ import annotations

from datetime import timedelta

from node.model import MessageKind
from node.ports.api import AttemptView
from node.ports.driven import Destination, DestinationKind, Direction, Hop, Outcome
from node.store import Store
from node.store.records import (
    DeliveryState,
    MessageState,
    NewAuditEntry,
    NewDelivery,
    NewInboxEntry,
)
from tests.integration.store.conftest import LEASE, T0, audit_actions, message

OUT = Hop("000.00.00.H41", T0, Direction.OUT)


async def _claim_one(store: Store, now=T0):  # type: ignore[no-untyped-def]
    (c,) = await store.claim_due_deliveries(owner="w", now=now, lease=LEASE, limit=5)
    return c


async def test_delivered_records_attempt_hop_and_message_state(store: Store) -> None:
    m = message(peers=(("p", ("X",)),))
    await store.accept([m])
    c = await _claim_one(store)

    assert await store.mark_delivered(
        c.id, owner="w", attempt=AttemptView(T0, Outcome.DELIVERED, "202"), hop=OUT
    )

    (d,) = await store.deliveries(m.id)
    assert d.state is DeliveryState.DELIVERED
    assert [a.outcome for a in d.attempts] == [Outcome.DELIVERED]
    assert (await store.hops(m.id))[-1] == OUT
    record = await store.message(m.id)
    assert record is not None
    assert record.state is MessageState.DELIVERED
    assert (
        await store.claim_due_deliveries(owner="w", now=T0 + LEASE * 9, lease=LEASE, limit=5) == ()
    )


async def test_a_failed_attempt_is_retried_when_due(store: Store) -> None:
    m = message(peers=(("p", ("X",)),))
    await store.accept([m])
    c = await _claim_one(store)
    retry_at = T0 + timedelta(seconds=30)

    failed = AttemptView(T0, Outcome.TRANSIENT, "503 busy", 503)
    assert await store.record_attempt(c.id, owner="w", attempt=failed, next_attempt_at=retry_at)

    (d,) = await store.deliveries(m.id)
    assert (d.state, d.next_attempt_at, d.last_error) == (
        DeliveryState.PENDING,
        retry_at,
        "503 busy",
    )
    assert d.attempts == (failed,)
    assert (
        await store.claim_due_deliveries(
            owner="w", now=retry_at - timedelta(seconds=1), lease=LEASE, limit=5
        )
        == ()
    )
    again = await _claim_one(store, retry_at)
    assert again.attempts == 1


async def test_holding_back_a_destination_leaves_one_probe(store: Store) -> None:
    """Postpone: every pending delivery of the peer waits, except the probe
    (moved back to its own schedule); other peers are untouched. Resume: the
    held ones are due again at once, and a second resume finds nothing."""
    ms = [message(peers=(("p", ("X",)),)) for _ in range(3)]
    other = message(peers=(("q", ("Y",)),))
    await store.accept([*ms, other])
    peer_p = Destination(DestinationKind.PEER, "p")
    claimed = await store.claim_due_deliveries(owner="w", now=T0, lease=LEASE, limit=10)
    probe = next(c for c in claimed if c.message.id == ms[0].id)
    for c in claimed:
        if c.destination == peer_p:
            failed = AttemptView(T0, Outcome.TRANSIENT, "refused")
            retry = T0 + timedelta(seconds=10)
            assert await store.record_attempt(
                c.id, owner="w", attempt=failed, next_attempt_at=retry
            )
    until = T0 + timedelta(minutes=5)

    touched = await store.postpone_destination(peer_p, until=until, probe=probe.id)

    assert touched == 3
    shown = {d.message_id: d for m in ms for d in await store.deliveries(m.id)}
    assert not shown[ms[0].id].held
    assert shown[ms[0].id].next_attempt_at == T0 + timedelta(seconds=10)
    for m in ms[1:]:
        assert shown[m.id].held
        assert shown[m.id].next_attempt_at == until, "shown when it really comes due"
    due = await store.claim_due_deliveries(
        owner="w", now=T0 + timedelta(seconds=10), lease=LEASE, limit=10
    )
    assert [c.id for c in due] == [probe.id], "only the probe comes due on its schedule"
    failed = AttemptView(T0 + timedelta(seconds=10), Outcome.TRANSIENT, "refused")
    retry = T0 + timedelta(seconds=30)
    assert await store.record_attempt(probe.id, owner="w", attempt=failed, next_attempt_at=retry)

    now = T0 + timedelta(seconds=40)
    assert await store.resume_destination(peer_p, now=now) == 2
    assert await store.resume_destination(peer_p, now=now) == 0
    assert not [d for m in ms for d in await store.deliveries(m.id) if d.held]
    due = await store.claim_due_deliveries(owner="w", now=now, lease=LEASE, limit=10)
    assert sorted(c.message.id for c in due) == sorted(m.id for m in ms)


async def test_dead_letter_stores_the_notice_and_audits(store: Store) -> None:
    m = message(peers=(("p", ("X",)),))
    await store.accept([m])
    c = await _claim_one(store)
    notice = message(
        kind=MessageKind.STATUS,
        document_id=m.document_id,
        sender="000.00.00.H41",
        recipients=(m.sender,),
        inbox=((m.sender, "dms-a"),),
        body=b"<status>02</status>",
        status_code="02",
    )
    audit = NewAuditEntry(T0, "node", "dead-letter", c.id, {"reason": "403 refused"})

    assert await store.dead_letter(
        c.id,
        owner="w",
        attempt=AttemptView(T0, Outcome.PERMANENT, "403 refused", 403),
        notice=notice,
        audit=audit,
    )

    record = await store.message(m.id)
    assert record is not None
    assert record.state is MessageState.DEAD
    (dead,) = await store.dead_letters(limit=10)
    assert (dead.id, dead.message_id, dead.last_error) == (c.id, m.id, "403 refused")
    items, _ = await store.inbox([m.sender], limit=10, after=None)
    assert [(i.id, i.status_code) for i in items] == [(notice.id, "02")]
    assert await audit_actions(store) == [
        ("accept", m.id),
        ("accept", notice.id),
        ("dead-letter", c.id),
    ], "the dead letter and its notice are audited in the same transaction"


async def test_dead_letter_without_lease_stores_no_notice(store: Store) -> None:
    m = message(peers=(("p", ("X",)),))
    await store.accept([m])
    c = await _claim_one(store)
    notice = message(kind=MessageKind.STATUS, body=b"<n/>")
    audit = NewAuditEntry(T0, "node", "dead-letter", c.id)
    assert not await store.dead_letter(
        c.id,
        owner="someone-else",
        attempt=AttemptView(T0, Outcome.PERMANENT, "x"),
        notice=notice,
        audit=audit,
    )
    assert await store.message(notice.id) is None


async def test_resend_puts_dead_deliveries_back_due_now(store: Store) -> None:
    m = message(peers=(("p", ("X",)), ("q", ("Y",))))
    await store.accept([m])
    first, second = await store.claim_due_deliveries(owner="w", now=T0, lease=LEASE, limit=5)
    audit = NewAuditEntry(T0, "node", "dead-letter", first.id)
    await store.dead_letter(
        first.id,
        owner="w",
        attempt=AttemptView(T0, Outcome.PERMANENT, "x"),
        notice=None,
        audit=audit,
    )
    await store.mark_delivered(
        second.id, owner="w", attempt=AttemptView(T0, Outcome.DELIVERED, "ok"), hop=OUT
    )
    later = T0 + timedelta(hours=1)

    resent = await store.resend(
        m.id, now=later, audit=NewAuditEntry(later, "alice", "resend", m.id)
    )

    assert [d.id for d in resent] == [first.id]
    assert resent[0].state is DeliveryState.PENDING
    record = await store.message(m.id)
    assert record is not None
    assert record.state is MessageState.PENDING
    (again,) = await store.claim_due_deliveries(owner="w", now=later, lease=LEASE, limit=5)
    assert again.id == first.id
    assert (again.retry_from, again.attempts_in_window) == (later, 0), "a new retry window"
    assert again.attempts == 1, "attempts before the resend still count in the history"
    assert await store.dead_letters(limit=10) == ()
    actions = [a for a, _ in await audit_actions(store)]
    assert actions == ["accept", "dead-letter", "relay", "resend"]


async def test_resend_of_a_message_without_dead_deliveries_changes_nothing(store: Store) -> None:
    m = message(peers=(("p", ("X",)),))
    await store.accept([m])
    assert await store.resend(m.id, now=T0, audit=NewAuditEntry(T0, "alice", "resend", m.id)) == ()
    assert await audit_actions(store) == [("accept", m.id)], "no resend audited"


async def test_pushed_local_delivery_marks_the_inbox_row(store: Store) -> None:
    base = message(inbox=(("000.00.12.H41", "dms-b"),))
    push = NewDelivery(
        "d-push-" + base.id[:8], Destination(DestinationKind.WEBHOOK, "dms-b"), ("000.00.12.H41",)
    )
    m = type(base)(
        **{
            **base.__dict__,
            "deliveries": (push,),
            "inbox": (NewInboxEntry("000.00.12.H41", "dms-b"),),
        }
    )
    await store.accept([m])
    c = await _claim_one(store)
    assert c.destination == Destination(DestinationKind.WEBHOOK, "dms-b")
    await store.mark_delivered(
        c.id, owner="w", attempt=AttemptView(T0, Outcome.DELIVERED, "200"), hop=OUT
    )
    items, _ = await store.inbox(["000.00.12.H41"], limit=5, after=None)
    assert [i.id for i in items] == [m.id], "a pushed message stays in the inbox until acked"


async def test_the_body_of_a_claimed_delivery_streams_without_a_lookup(store: Store) -> None:
    m = message(peers=(("p", ("X",)),), body=b"<edXML>claimed body</edXML>")
    await store.accept([m])
    c = await _claim_one(store)
    body = store.body_of(c.message)
    assert (body.size, body.sha256) == (c.message.size, c.message.sha256)
    assert b"".join([chunk async for chunk in body.chunks()]) == b"<edXML>claimed body</edXML>"
