"""Admin search (newest first, filters, cursor) and the metrics snapshot."""

from __future__ import annotations

from datetime import timedelta

from node.ports import AttemptView, Outcome
from node.store import Store
from node.store.records import NewAuditEntry, SearchFilter
from tests.integration.store.conftest import LEASE, T0, message

B = "000.00.12.H41"


async def test_search_filters_and_pages_newest_first(store: Store) -> None:
    ids = []
    for i in range(4):
        m = message(
            recipients=(B,) if i % 2 == 0 else ("000.00.00.G22",),
            received_at=T0 + timedelta(minutes=i),
        )
        await store.accept([m])
        ids.append(m.id)

    page, cursor = await store.search(SearchFilter(), limit=3, after=None)
    rest, end = await store.search(SearchFilter(), limit=3, after=cursor)
    assert [m.id for m in page + rest] == ids[::-1]
    assert end is None

    to_b, _ = await store.search(SearchFilter(organ=B), limit=10, after=None)
    assert [m.id for m in to_b] == [ids[2], ids[0]]
    window, _ = await store.search(
        SearchFilter(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3)),
        limit=10,
        after=None,
    )
    assert [m.id for m in window] == [ids[2], ids[1]]
    stored, _ = await store.search(SearchFilter(state="stored"), limit=10, after=None)
    assert len(stored) == 4


async def test_metrics_count_states_queue_and_age(store: Store) -> None:
    await store.accept([message(peers=(("p", ("X",)),), received_at=T0)])
    await store.accept([message(peers=(("p", ("X",)),), received_at=T0 + timedelta(seconds=30))])
    await store.accept([message()])
    (c, _) = await store.claim_due_deliveries(
        owner="w", now=T0 + timedelta(minutes=1), lease=LEASE, limit=5
    )
    await store.dead_letter(
        c.id,
        owner="w",
        attempt=AttemptView(T0, Outcome.PERMANENT, "no"),
        notice=None,
        audit=NewAuditEntry(T0, "node", "dead-letter", c.id),
    )

    snapshot = await store.metrics_snapshot(now=T0 + timedelta(minutes=2))

    assert snapshot.messages_by_state == {"dead": 1, "pending": 1, "stored": 1}
    assert (snapshot.queue_depth, snapshot.in_flight, snapshot.dead_letters) == (1, 1, 1)
    assert snapshot.oldest_pending_seconds == 90.0
