"""The metrics snapshot reads maintained counters (migration ``counters``);
after every step of a mixed workload they equal a count of the real rows,
and an upgraded database starts from the rows it already holds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from node.model import MessageKind
from node.ports.api import AttemptView
from node.ports.driven import Destination, DestinationKind, Direction, Hop, Outcome
from node.store import Store, store_from_url
from node.store.records import MessageState, NewAuditEntry, StoreMetrics
from tests.integration.store.conftest import LEASE, T0, Target, message

OUT = Hop("000.00.00.H41", T0, Direction.OUT)
LATER = T0 + timedelta(days=1)


async def _counted(target: Target) -> tuple[dict[str, int], int, int, int]:
    """The same figures, counted from the rows through the back door."""
    by_state = {}
    for state in MessageState:
        sql = f"SELECT COUNT(*) FROM messages WHERE state = '{state.value}'"
        n = int(await target.fetchval(sql))
        if n:
            by_state[state.value] = n
    total = int(await target.fetchval("SELECT COUNT(*) FROM messages"))
    assert sum(by_state.values()) == total, "a message state the test does not know"
    queued = await target.fetchval("SELECT COUNT(*) FROM deliveries WHERE due_at IS NOT NULL")
    in_flight = await target.fetchval(
        "SELECT COUNT(*) FROM deliveries WHERE due_at IS NOT NULL AND state = 'in-flight'"
    )
    dead = await target.fetchval("SELECT COUNT(*) FROM deliveries WHERE state = 'dead'")
    return by_state, int(queued), int(in_flight), int(dead)


def _figures(snapshot: StoreMetrics) -> tuple[dict[str, int], int, int, int]:
    return (
        dict(snapshot.messages_by_state),
        snapshot.queue_depth,
        snapshot.in_flight,
        snapshot.dead_letters,
    )


async def _check(store: Store, target: Target) -> tuple[dict[str, int], int, int, int]:
    counted = await _counted(target)
    assert _figures(await store.metrics_snapshot(now=LATER)) == counted
    return counted


async def _mixed_workload(store: Store, check: Callable[[], Awaitable[object]]) -> None:
    """Accept, claim, deliver, retry, hold back, resume, release, dead-letter
    with a notice, resend, extend leases: every path that changes a state."""
    peer_p = Destination(DestinationKind.PEER, "p")
    ms = [message(peers=(("p", ("X",)), ("q", ("Y",)))) for _ in range(4)]
    local = message(inbox=(("000.00.12.H41", "dms-b"),))
    await store.accept([ms[0], ms[1]])
    await store.accept([ms[2]])
    await store.accept([ms[3], local])
    await check()

    claimed = await store.claim_due_deliveries(owner="w", now=T0, lease=LEASE, limit=5)
    await check()
    await store.extend_leases([c.id for c in claimed], owner="w", until=T0 + LEASE * 2)
    await check()
    first, second, third, fourth, fifth = claimed
    await store.mark_delivered(
        first.id, owner="w", attempt=AttemptView(T0, Outcome.DELIVERED, "202"), hop=OUT
    )
    await check()
    retry = T0 + timedelta(seconds=30)
    await store.record_attempt(
        second.id,
        owner="w",
        attempt=AttemptView(T0, Outcome.TRANSIENT, "503", 503),
        next_attempt_at=retry,
    )
    await check()
    await store.release([third.id], owner="w", now=T0)
    await check()
    notice = message(
        kind=MessageKind.STATUS,
        document_id=fourth.message.document_id,
        recipients=(fourth.message.sender,),
        inbox=((fourth.message.sender, "dms-a"),),
        body=b"<status>02</status>",
        status_code="02",
    )
    await store.dead_letter(
        fourth.id,
        owner="w",
        attempt=AttemptView(T0, Outcome.PERMANENT, "403", 403),
        notice=notice,
        audit=NewAuditEntry(T0, "node", "dead-letter", fourth.id),
    )
    await check()
    await store.dead_letter(
        fifth.id,
        owner="someone-else",
        attempt=AttemptView(T0, Outcome.PERMANENT, "lost lease"),
        notice=None,
        audit=NewAuditEntry(T0, "node", "dead-letter", fifth.id),
    )
    await check()
    probe = next(c for c in claimed if c.destination == peer_p)
    await store.postpone_destination(peer_p, until=T0 + timedelta(minutes=5), probe=probe.id)
    await check()
    await store.resume_destination(peer_p, now=T0 + timedelta(minutes=1))
    await check()
    await store.resend(
        fourth.message.id, now=LATER, audit=NewAuditEntry(LATER, "alice", "resend", "x")
    )
    await check()
    # the leases of the rest expire: claimed again, and everything delivered
    for _ in range(10):
        batch = await store.claim_due_deliveries(owner="v", now=LATER, lease=LEASE, limit=3)
        await check()
        if not batch:
            break
        for c in batch:
            await store.mark_delivered(
                c.id, owner="v", attempt=AttemptView(LATER, Outcome.DELIVERED, "202"), hop=OUT
            )
        await check()
    await store.ack(local.id, ["000.00.12.H41"], at=LATER, actor="dms-b")
    await check()


async def test_counters_equal_the_rows_after_every_step(store: Store, target: Target) -> None:
    await _mixed_workload(store, lambda: _check(store, target))
    by_state, queued, in_flight, dead = await _check(store, target)
    assert (queued, in_flight, dead) == (0, 0, 0), "the workload ends with everything delivered"
    assert sum(by_state.values()) == 6


async def test_two_stores_on_one_database_count_together(
    store: Store,
    open_store: Callable[[], Awaitable[Store]],
    target: Target,
) -> None:
    other = await open_store()
    await store.accept([message(peers=(("p", ("X",)),)) for _ in range(3)])
    await other.accept([message(peers=(("p", ("X",)),)) for _ in range(2)])
    await other.claim_due_deliveries(owner="o", now=T0, lease=LEASE, limit=2)
    counted = await _check(store, target)
    assert _figures(await other.metrics_snapshot(now=LATER)) == counted
    assert counted[1:] == (5, 2, 0)


_DROP = {
    "sqlite": [
        "DROP TABLE counters",
        *(
            f"DROP TRIGGER {table}_count_{op}"
            for table in ("messages", "deliveries")
            for op in ("insert", "update", "delete")
        ),
        "DROP INDEX deliveries_queued_created",
        # and what came after the counters (the small bodies' rows: this test
        # reads no bodies), so that the database is one of version 4
        "DROP TABLE message_bodies",
        "DELETE FROM schema_migrations WHERE version >= 5",
    ],
    "postgres": [
        "DROP TABLE counter_deltas",
        "DROP FUNCTION count_messages CASCADE",
        "DROP FUNCTION count_deliveries CASCADE",
        "DROP INDEX deliveries_queued_created",
        "DELETE FROM schema_migrations WHERE name = 'counters'",
    ],
}


async def test_an_upgraded_database_counts_the_rows_it_holds(store: Store, target: Target) -> None:
    """A database from before the counters (rows in every state) is upgraded
    at open: the counters start from its rows, then follow the writes."""
    await _mixed_workload(store, lambda: _counted(target))
    await store.accept([message(peers=(("p", ("X",)),)) for _ in range(2)])
    await store.claim_due_deliveries(owner="w", now=LATER, lease=LEASE, limit=1)
    await store.close()
    for sql in _DROP[target.dialect]:
        await target.execute(sql)

    upgraded = store_from_url(target.url)
    await upgraded.open()
    try:
        assert (await _check(upgraded, target))[1:] == (2, 1, 0)
        await upgraded.accept([message(peers=(("p", ("X",)),))])
        assert (await _check(upgraded, target))[1:] == (3, 1, 0)
    finally:
        await upgraded.close()
