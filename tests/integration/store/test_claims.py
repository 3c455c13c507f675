"""Claiming due deliveries: urgent first, leases, no double claims."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import timedelta

from node.ports.api import AttemptView
from node.ports.driven import Outcome
from node.store import Store
from tests.integration.store.conftest import LEASE, T0, Target, message


async def test_urgent_deliveries_are_claimed_before_normal_ones(store: Store) -> None:
    normal = message(peers=(("p", ("X",)),), received_at=T0)
    urgent = message(peers=(("p", ("X",)),), received_at=T0 + timedelta(seconds=5), priority=2)
    await store.accept([normal])
    await store.accept([urgent])

    claimed = await store.claim_due_deliveries(
        owner="w", now=T0 + timedelta(seconds=10), lease=LEASE, limit=1
    )

    assert [c.message.id for c in claimed] == [urgent.id]


async def test_older_due_deliveries_come_first_within_a_priority(store: Store) -> None:
    ids = []
    for i in range(3):
        m = message(peers=(("p", ("X",)),), received_at=T0 + timedelta(seconds=i))
        await store.accept([m])
        ids.append(m.id)
    claimed = await store.claim_due_deliveries(
        owner="w", now=T0 + timedelta(minutes=1), lease=LEASE, limit=2
    )
    assert {c.message.id for c in claimed} == set(ids[:2])


async def test_deliveries_not_yet_due_are_not_claimed(store: Store) -> None:
    await store.accept([message(peers=(("p", ("X",)),), received_at=T0)])
    assert (
        await store.claim_due_deliveries(
            owner="w", now=T0 - timedelta(seconds=1), lease=LEASE, limit=5
        )
        == ()
    )


async def test_a_claimed_delivery_carries_what_sending_needs(store: Store) -> None:
    m = message(peers=(("peer-g22", ("000.00.00.G22",)),))
    await store.accept([m])
    (c,) = await store.claim_due_deliveries(owner="w", now=T0, lease=LEASE, limit=5)
    assert c.destination.name == "peer-g22"
    assert c.recipients == ("000.00.00.G22",)
    assert c.attempts == 0
    assert c.hops == m.hops
    assert c.message.origin_id == m.origin_id


async def test_a_lease_hides_the_delivery_until_it_expires(store: Store) -> None:
    await store.accept([message(peers=(("p", ("X",)),))])
    first = await store.claim_due_deliveries(owner="crashed", now=T0, lease=LEASE, limit=5)
    assert len(first) == 1

    during = await store.claim_due_deliveries(owner="w2", now=T0 + LEASE / 2, lease=LEASE, limit=5)
    after = await store.claim_due_deliveries(
        owner="w2", now=T0 + LEASE + timedelta(seconds=1), lease=LEASE, limit=5
    )

    assert during == ()
    assert [c.id for c in after] == [first[0].id]


async def test_a_worker_that_lost_its_lease_cannot_record(store: Store) -> None:
    await store.accept([message(peers=(("p", ("X",)),))])
    (old,) = await store.claim_due_deliveries(owner="slow", now=T0, lease=LEASE, limit=5)
    later = T0 + LEASE * 2
    (new,) = await store.claim_due_deliveries(owner="fresh", now=later, lease=LEASE, limit=5)
    attempt = AttemptView(later, Outcome.DELIVERED, "ok")

    assert not await store.mark_delivered(old.id, owner="slow", attempt=attempt, hop=old.hops[0])
    assert await store.mark_delivered(new.id, owner="fresh", attempt=attempt, hop=new.hops[0])


async def test_extended_lease_keeps_the_claim(store: Store) -> None:
    await store.accept([message(peers=(("p", ("X",)),))])
    (c,) = await store.claim_due_deliveries(owner="w", now=T0, lease=LEASE, limit=5)
    await store.extend_leases([c.id], owner="w", until=T0 + LEASE * 3)
    assert (
        await store.claim_due_deliveries(owner="x", now=T0 + LEASE * 2, lease=LEASE, limit=5) == ()
    )


async def test_released_deliveries_are_due_again(store: Store) -> None:
    await store.accept([message(peers=(("p", ("X",)),))])
    (c,) = await store.claim_due_deliveries(owner="w", now=T0, lease=LEASE, limit=5)
    await store.release([c.id], owner="w", now=T0)
    (again,) = await store.claim_due_deliveries(owner="x", now=T0, lease=LEASE, limit=5)
    assert again.id == c.id
    assert again.attempts == 0


async def test_concurrent_claimers_never_claim_the_same_delivery(store: Store, open_store) -> None:  # type: ignore[no-untyped-def]
    for i in range(60):
        await store.accept(
            [
                message(
                    peers=(("p", ("X",)), ("q", ("Y",))), received_at=T0 + timedelta(milliseconds=i)
                )
            ]
        )
    other = await open_store()

    async def drain(s: Store, owner: str) -> list[str]:
        got: list[str] = []
        for _ in range(100):
            batch = await s.claim_due_deliveries(
                owner=owner, now=T0 + timedelta(minutes=1), lease=LEASE, limit=7
            )
            if not batch:
                break
            got.extend(c.id for c in batch)
        return got

    a, b = await asyncio.gather(drain(store, "a"), drain(other, "b"))

    assert len(a) + len(b) == 120
    assert len(set(a) | set(b)) == 120
    assert not set(a) & set(b)


async def test_every_priority_level_is_claimed_in_order_even_out_of_range(store: Store) -> None:
    # deliveries keep their priority clamped to 0..3, the levels the claim seeks
    ms = [
        message(peers=(("p", ("X",)),), received_at=T0 + timedelta(seconds=i), priority=p)
        for i, p in enumerate((0, 7, 1, 3, 2, -1))
    ]
    for m in ms:
        await store.accept([m])
    claimed = await store.claim_due_deliveries(
        owner="w", now=T0 + timedelta(seconds=10), lease=LEASE, limit=10
    )
    by_id = {m.id: i for i, m in enumerate(ms)}
    assert [by_id[c.message.id] for c in claimed] == [1, 3, 4, 2, 0, 5]


async def test_the_claim_seeks_the_due_index_per_priority(target: Target, store: Store) -> None:
    """With many deliveries not yet due (a peer down), a claim must not walk the
    whole queue: the plan is one index search per priority level."""
    from node.store.sqlfiles import load_queries

    target.door()  # the plan is read over a connection of its own
    sql = load_queries(target.dialect)["claim_due"]
    if target.sqlite_path is not None:
        conn = sqlite3.connect(target.sqlite_path)
        try:
            plan = [
                row[3]
                for row in conn.execute(
                    f"EXPLAIN QUERY PLAN {sql}",
                    {"owner": "w", "now": "x", "lease_until": "y", "limit": 16},
                )
            ]
        finally:
            conn.close()
        assert sum("USING INDEX deliveries_due (priority=?" in p for p in plan) == 4
        assert not [p for p in plan if p.startswith("SCAN deliveries")]
        return
    import asyncpg

    assert target.pg is not None
    conn2 = await asyncpg.connect(target.pg.dsn, server_settings={"search_path": target.pg.name})
    try:
        await conn2.execute("SET enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in await conn2.fetch(
                "EXPLAIN "
                + sql.replace(":lease_until", "now()")
                .replace(":now", "now()")
                .replace(":limit", "16")
                .replace(":owner", "'w'")
            )
        )
    finally:
        await conn2.close()
    # the lateral seek runs once per level, each an index range on (priority, due_at)
    assert re.search(
        r"Index Scan using deliveries_due on deliveries .*\n\s*Index Cond: \(\(priority = ", plan
    ), plan
    assert "Seq Scan" not in plan, plan
