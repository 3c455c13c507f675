"""Delivery workers: one attempt per due delivery, outcomes recorded, failures
retried on schedule, permanent failures dead-lettered with a notice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from node.model import MessageKind
from node.ports.driven import DeliveryOutcome, Destination, DestinationKind, Direction, Hop, Outcome
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, NODE, STTTT, T0, UBND, VPCP, Node
from tests.unit.engine.messages import document, status_code

REFUSED = DeliveryOutcome(Outcome.PERMANENT, "403 peer refused: unknown organ", 403)
BUSY = DeliveryOutcome(Outcome.TRANSIENT, "503 busy", 503)


async def test_a_delivery_carries_the_message_as_stored(node: Node) -> None:
    data, _ = document(UBND, (STTTT, VPCP))
    result = await node.submit(data)

    assert await node.deliver() == 1

    (sent,) = node.transport.sent
    assert sent.destination == Destination(DestinationKind.PEER, "vpcp")
    assert sent.body == data
    assert (sent.meta.message_id, sent.meta.kind, sent.meta.recipients) == (
        result.id,
        MessageKind.DOCUMENT,
        (VPCP,),
    )
    assert sent.meta.hops == (Hop(NODE, T0, Direction.IN), Hop(NODE, T0, Direction.OUT))
    trace = await node.exchange.trace(result.id, DMS_UBND)
    assert (trace.state, trace.deliveries[0].state) == ("delivered", "delivered")
    assert trace.hops[-1].direction is Direction.OUT
    assert await node.deliver() == 0, "delivered once, never again"


async def test_a_transient_failure_is_retried_on_schedule(node: Node) -> None:
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    node.transport.outcome_for = lambda _d: BUSY

    await node.deliver()
    (d,) = await node.store.deliveries(result.id)
    assert d.state.value == "pending"
    assert d.next_attempt_at is not None
    assert timedelta(seconds=8) <= d.next_attempt_at - T0 <= timedelta(seconds=10)
    assert await node.deliver() == 0, "not due yet"

    node.transport.outcome_for = lambda _d: DeliveryOutcome(Outcome.DELIVERED, "202")
    node.clock.set(d.next_attempt_at)
    assert await node.deliver() == 1
    (d,) = await node.store.deliveries(result.id)
    assert [a.outcome for a in d.attempts] == [Outcome.TRANSIENT, Outcome.DELIVERED]


async def test_a_permanent_failure_is_dead_lettered_and_the_sender_told(node: Node) -> None:
    data, doc_id = document(UBND, (VPCP,))
    result = await node.submit(data)
    node.transport.outcome_for = lambda _d: REFUSED

    await node.deliver()

    (dead,) = await node.admin.dead_letters()
    assert (dead.message_id, dead.state, dead.last_error) == (result.id, "dead", REFUSED.detail)
    (notice,) = (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items
    assert (notice.kind, notice.from_, notice.status_code, notice.document_id) == (
        MessageKind.STATUS,
        NODE,
        "02",
        doc_id,
    )
    raw = b"".join(
        [c async for c in (await node.exchange.open_message(notice.id, DMS_UBND)).chunks()]
    )
    assert VPCP.encode() in raw
    assert b"unknown organ" in raw
    entries = await node.store.audit_entries(limit=10, after=None)
    assert [(e.action, e.subject) for e in entries] == [
        ("accept", result.id),
        ("generate", notice.id),
        ("dead-letter", result.id),
    ]


async def test_a_delivery_failing_past_max_age_is_dead_lettered(node: Node) -> None:
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    node.transport.outcome_for = lambda _d: BUSY

    for _ in range(40):
        await node.deliver()
        (d,) = await node.store.deliveries(result.id)
        if d.state.value == "dead" or d.next_attempt_at is None:
            break
        node.clock.set(d.next_attempt_at)

    assert d.state.value == "dead"
    assert d.last_error is not None
    assert d.last_error == "503 busy"
    assert node.clock.now() - T0 <= timedelta(hours=1)
    dead = [e for e in await node.store.audit_entries(limit=5, after=None)]
    assert [e.action for e in dead][-1] == "dead-letter"
    assert dead[-1].details["reason"].startswith("gave up after")


async def test_a_transport_that_raises_counts_as_transient(node: Node) -> None:
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    node.transport.raise_for = {"vpcp"}
    await node.deliver()
    (d,) = await node.store.deliveries(result.id)
    assert d.state.value == "pending"
    assert d.attempts[0].detail.startswith("transport error: ConnectionResetError")


async def test_urgent_documents_are_delivered_first(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(claim_batch=1)
    normal, _ = document(UBND, (VPCP,), priority=0)
    urgent, _urgent_id = document(UBND, (VPCP,), priority=3)
    await node.submit(normal)
    await node.submit(urgent)

    await node.engine.workers.run_once()

    assert [s.body for s in node.transport.sent] == [urgent]


async def test_push_clients_get_a_delivery_and_keep_the_inbox_entry(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(push={"dms-stttt": DestinationKind.WEBHOOK})
    data, _ = document(UBND, (STTTT,))
    result = await node.submit(data)

    await node.deliver()

    assert [s.destination for s in node.transport.sent] == [
        Destination(DestinationKind.WEBHOOK, "dms-stttt")
    ]
    assert [i.id for i in (await node.exchange.inbox(DMS_STTTT, limit=5, cursor=None)).items] == [
        result.id
    ]


async def test_an_operator_resend_delivers_a_dead_letter(node: Node) -> None:
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    node.transport.outcome_for = lambda _d: REFUSED
    await node.deliver()
    node.transport.outcome_for = lambda _d: DeliveryOutcome(Outcome.DELIVERED, "202")

    (resent,) = await node.admin.resend(result.id, actor="operator:alice")
    await node.deliver()

    assert resent.state == "pending"
    (d,) = await node.store.deliveries(result.id)
    assert d.state.value == "delivered"
    actions = [(e.actor, e.action) for e in await node.store.audit_entries(limit=10, after=None)]
    assert actions == [
        ("dms:dms-ubnd", "accept"),
        ("node", "generate"),
        ("node", "dead-letter"),
        ("operator:alice", "resend"),
        ("node", "relay"),
    ]


async def test_a_resend_opens_a_new_retry_window(node: Node) -> None:
    """A delivery dead-lettered after its maximum age gets the whole retry
    schedule again when an operator resends it: one more failure means a
    retry soon (backoff from the start), not an immediate second dead letter."""
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    node.transport.outcome_for = lambda _d: BUSY
    for _ in range(30):  # bounded: the schedule gives up after max_age (1 h)
        (d,) = await node.store.deliveries(result.id)
        if d.state.value == "dead" or d.next_attempt_at is None:
            break
        node.clock.set(d.next_attempt_at)
        await node.deliver()
    (d,) = await node.store.deliveries(result.id)
    assert d.state.value == "dead"
    failed_before = len(d.attempts)
    assert failed_before > 3

    node.clock.set(T0 + timedelta(days=2))
    await node.admin.resend(result.id, actor="operator:alice")
    await node.deliver()

    (d,) = await node.store.deliveries(result.id)
    assert d.state.value == "pending", d.last_error
    assert d.next_attempt_at is not None
    assert (
        timedelta(seconds=8)
        <= d.next_attempt_at - (T0 + timedelta(days=2))
        <= timedelta(seconds=10)
    )
    node.transport.outcome_for = lambda _d: DeliveryOutcome(Outcome.DELIVERED, "202")
    node.clock.set(d.next_attempt_at)
    assert await node.deliver() == 1
    (d,) = await node.store.deliveries(result.id)
    assert d.state.value == "delivered"
    assert len(d.attempts) == failed_before + 2, "history keeps every attempt"


async def test_running_workers_deliver_promptly_and_stop_gracefully(node: Node) -> None:
    node.transport.gate = asyncio.Event()
    await node.engine.start()
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)

    await asyncio.wait_for(node.transport.arrived.wait(), timeout=5)
    stopping = asyncio.create_task(node.engine.stop())
    await asyncio.sleep(0)
    node.transport.gate.set()
    await asyncio.wait_for(stopping, timeout=5)

    (d,) = await node.store.deliveries(result.id)
    assert d.state.value == "delivered", "the in-flight delivery finished before stop returned"


async def test_stop_releases_deliveries_that_do_not_finish(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(stop_grace=timedelta(milliseconds=50))
    node.transport.gate = asyncio.Event()
    await node.engine.start()
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    await asyncio.wait_for(node.transport.arrived.wait(), timeout=5)

    await asyncio.wait_for(node.engine.stop(), timeout=5)

    (d,) = await node.store.deliveries(result.id)
    assert d.state.value == "pending"
    assert d.attempts == ()
    claimed = await node.store.claim_due_deliveries(
        owner="next", now=T0, lease=timedelta(minutes=1), limit=5
    )
    assert [c.id for c in claimed] == [d.id], "released: due again at once"


async def test_a_crashed_workers_delivery_is_taken_over_after_its_lease(node: Node) -> None:
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    lease = node.engine.settings.lease
    (stuck,) = await node.store.claim_due_deliveries(owner="crashed", now=T0, lease=lease, limit=5)

    assert await node.deliver() == 0, "leased to the crashed worker"
    node.clock.advance(lease + timedelta(seconds=1))
    assert await node.deliver() == 1

    (d,) = await node.store.deliveries(result.id)
    assert (d.id, d.state.value) == (stuck.id, "delivered")
    late = await node.store.mark_delivered(
        stuck.id, owner="crashed", attempt=d.attempts[0], hop=None
    )
    assert not late, "the crashed worker's lease is gone"


async def test_notices_are_never_about_notices(node: Node) -> None:
    from node.ports.api import PeerPrincipal
    from node.ports.driven import TransferMeta

    data, _ = document(VPCP, ("000.00.00.G01",))  # relayed: vpcp -> here -> axis
    relayed = await node.exchange.receive(
        node.body(data),
        peer=PeerPrincipal("vpcp", VPCP),
        meta=TransferMeta("m-x", MessageKind.DOCUMENT, ("000.00.00.G01",), ()),
    )
    node.transport.outcome_for = lambda _d: REFUSED

    await node.deliver()

    assert [s.destination.name for s in node.transport.sent] == ["axis", "vpcp"]
    assert status_code(node.transport.sent[1].body) == "02"
    dead = await node.admin.dead_letters()
    assert len(dead) == 2
    assert relayed.id in {d.message_id for d in dead}
    page = await node.admin.search()
    assert len(page.items) == 2, "the dead notice got no notice of its own"


DOWN = DeliveryOutcome(Outcome.TRANSIENT, "cannot connect to peer vpcp", destination_down=True)
OK = DeliveryOutcome(Outcome.DELIVERED, "202")


async def _tick(node: Node, seconds: int) -> int:
    """Advance the clock and deliver what is due; the number of sends made."""
    before = len(node.transport.sent)
    node.clock.advance(timedelta(seconds=seconds))
    await node.deliver()
    return len(node.transport.sent) - before


async def test_an_unreachable_peer_is_probed_not_hammered(node: Node) -> None:
    """30 documents queued for a peer that is down: after the first round, one
    delivery probes the peer per backoff step while the others wait behind it;
    the probe's success releases them all at once."""
    results = [await node.submit(document(UBND, (VPCP,))[0]) for _ in range(30)]
    node.transport.outcome_for = lambda _d: DOWN
    await node.deliver()
    assert len(node.transport.sent) == 30, "the first round finds the peer down"

    sends = [await _tick(node, 10) for _ in range(30)]  # five minutes, bounded

    # Without holding back, each of the 30 would retry at ~10, 30, 70, 150 s
    # (~120 sends in these five minutes); one probe per backoff step instead:
    assert 3 <= sum(sends) <= 6, sends
    assert max(sends) == 1, sends
    shown = [(await node.exchange.trace(r.id, DMS_UBND)).deliveries[0] for r in results]
    assert {d.state for d in shown} == {"pending"}
    assert sum(d.held for d in shown) == 29, "all but the probe wait behind it"

    node.transport.outcome_for = lambda _d: OK
    for _ in range(60):  # bounded: the probe comes due within the cap (10 min)
        if await _tick(node, 10):
            break
    await node.deliver()  # the probe's success released the others: all due now
    states = [(await node.store.deliveries(r.id))[0].state.value for r in results]
    assert states == ["delivered"] * 30


async def test_a_message_level_failure_holds_nothing_back(node: Node) -> None:
    """A 500 about one message says nothing about the peer: the others go on."""
    first, _ = document(UBND, (VPCP,))
    await node.submit(first)
    node.transport.outcome_for = lambda _d: BUSY  # not destination_down
    await node.deliver()
    node.transport.outcome_for = lambda _d: OK
    second = await node.submit(document(UBND, (VPCP,))[0])

    assert await node.deliver() == 1
    (d,) = await node.store.deliveries(second.id)
    assert d.state.value == "delivered"
