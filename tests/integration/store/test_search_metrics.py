"""Admin search (newest first, filters, cursor) and the metrics snapshot."""

from __future__ import annotations

from datetime import timedelta

from node.model import MessageKind
from node.ports.api import AttemptView
from node.ports.driven import Destination, DestinationKind, Outcome
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


async def test_search_by_document_id_and_status_code(store: Store) -> None:
    first = message(document_id="000.00.00.H41,2026/11/20,7/UBND")
    other = message(document_id="000.00.00.H41,2026/11/20,8/UBND")
    refusal = message(
        kind=MessageKind.STATUS, document_id=first.document_id, status_code="02", recipients=()
    )
    arrival = message(
        kind=MessageKind.STATUS, document_id=first.document_id, status_code="01", recipients=()
    )
    for m in (first, other, refusal, arrival):
        await store.accept([m])

    by_doc, _ = await store.search(
        SearchFilter(document_id=first.document_id), limit=10, after=None
    )
    assert [m.id for m in by_doc] == [arrival.id, refusal.id, first.id]
    refused, _ = await store.search(SearchFilter(status_code="02"), limit=10, after=None)
    assert [m.id for m in refused] == [refusal.id]
    none, _ = await store.search(SearchFilter(document_id="nope"), limit=10, after=None)
    assert none == ()


async def test_queue_depth_per_destination_counts_in_flight_and_held(store: Store) -> None:
    for i in range(3):
        await store.accept([message(peers=(("p", ("X",)),), received_at=T0 + timedelta(seconds=i))])
    await store.accept([message(peers=(("q", ("Y",)),), received_at=T0 + timedelta(minutes=1))])
    await store.accept([message()])  # local only: no delivery
    (claimed,) = await store.claim_due_deliveries(
        owner="w", now=T0 + timedelta(minutes=5), lease=LEASE, limit=1
    )
    assert claimed.destination.name == "p"
    held = await store.postpone_destination(
        claimed.destination, until=T0 + timedelta(hours=1), probe=claimed.id
    )
    assert held == 2  # the two pending ones; the probe is in flight

    depths = {d.destination.name: d for d in await store.queue_depths()}

    assert set(depths) == {"p", "q"}
    p, q = depths["p"], depths["q"]
    assert (p.queued, p.in_flight, p.held, p.oldest_created_at) == (3, 1, 2, T0)
    assert (q.queued, q.in_flight, q.held) == (1, 0, 0)
    assert q.destination == Destination(DestinationKind.PEER, "q")


async def test_audit_of_subjects_newest_first(store: Store) -> None:
    for i, subject in enumerate(("m1", "doc", "m2", "m1")):
        await store.append_audit(
            NewAuditEntry(T0 + timedelta(seconds=i), "ops", f"act{i}", subject)
        )
    entries = await store.audit_of(("m1", "doc"), limit=10)
    assert [(e.action, e.subject) for e in entries] == [
        ("act3", "m1"),
        ("act1", "doc"),
        ("act0", "m1"),
    ]
    assert [e.action for e in await store.audit_of(("m1",), limit=1)] == ["act3"]
    assert await store.audit_of(("none",), limit=10) == ()
