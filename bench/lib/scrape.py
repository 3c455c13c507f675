"""scrape: the store's side of one ``GET /metrics`` (``metrics_snapshot``) with
many stored messages, in process (no HTTP), SQLite and PostgreSQL. The store
is seeded in bulk with finished history (``seed``) plus a few hundred queued
deliveries accepted through the store, and each snapshot is checked against
a count of the rows."""

from __future__ import annotations

import hashlib
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.lib import pg, seed
from bench.lib.cluster import A_ORGAN, B_ORGAN
from node.model import MessageKind
from node.ports.driven import Destination, DestinationKind, Direction, Hop
from node.store import Store, store_from_url
from node.store.records import NewDelivery, NewMessage, Source, new_id

QUEUED = 300
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _queued(i: int) -> NewMessage:
    mid = new_id()
    body = f"<edXML>{i}</edXML>".encode()
    return NewMessage(
        id=mid,
        origin_id=mid,
        kind=MessageKind.DOCUMENT,
        document_id=f"{A_ORGAN},2026/06/01,{i}/QUEUED",
        sender=A_ORGAN,
        recipients=(B_ORGAN,),
        source=Source.DMS,
        source_name="dms-bench",
        received_at=NOW,
        body=body,
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        hops=(Hop(A_ORGAN, NOW, Direction.IN),),
        deliveries=(
            NewDelivery(new_id(), Destination(DestinationKind.PEER, "bench-b"), (B_ORGAN,)),
        ),
        keys=(f"bench|{mid}",),
    )


async def _time(store: Store, rounds: int) -> tuple[float, Any]:
    samples = []
    snapshot = None
    for _ in range(rounds):
        started = time.perf_counter()
        snapshot = await store.metrics_snapshot(now=NOW)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), snapshot


async def _measure(url: str, stored: int, rounds: int) -> dict[str, Any]:
    store = store_from_url(url)
    await store.open()
    try:
        for i in range(QUEUED):
            await store.accept([_queued(i)])
        ms, snapshot = await _time(store, rounds)
    finally:
        await store.close()
    assert snapshot is not None
    total = sum(snapshot.messages_by_state.values())
    if total != stored + QUEUED or snapshot.queue_depth != QUEUED:
        raise RuntimeError(f"scrape: the snapshot counts {snapshot}, stored {stored} + {QUEUED}")
    return {"metrics_ms": ms, "messages": total, "queued": snapshot.queue_depth}


async def run(root: Path, *, size: str, engine: str) -> dict[str, Any]:
    stored, rounds = {"smoke": (2_000, 3), "quick": (100_000, 5), "full": (1_000_000, 7)}[size]
    started = time.perf_counter()
    if engine == "sqlite":
        db = root / "scrape" / "node.db"
        url = f"sqlite://{db}"
        empty = await _measure(f"sqlite://{root / 'empty' / 'node.db'}", 0, rounds)
        store = store_from_url(url)
        await store.open()  # the schema
        await store.close()
        seed.seed_sqlite(db, stored, A_ORGAN, B_ORGAN)
        seeded = time.perf_counter() - started
        full = await _measure(url, stored, rounds)
    else:
        async with pg.schemas(2) as (a, b):
            empty = await _measure(pg.url(b), 0, rounds)
            store = store_from_url(pg.url(a))
            await store.open()
            await store.close()
            await seed.seed_postgres(pg.dsn(), a, stored, A_ORGAN, B_ORGAN)
            seeded = time.perf_counter() - started
            full = await _measure(pg.url(a), stored, rounds)
    return {
        "engine": engine,
        "stored": stored,
        "metrics_ms_empty": empty["metrics_ms"],
        "metrics_ms_full": full["metrics_ms"],
        "seed_s": seeded,
    }
