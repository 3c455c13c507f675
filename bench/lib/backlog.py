"""backlog: many documents queued on node A for node B while B is down, then
B comes up: drain rate, and the claim's latency at the start vs the end.

The queue is built by submitting a few real documents while B is down and
copying them in the store (new message ids, bodies hard-linked): B validates
and verifies every copy, then answers "duplicate" for those it already has
(same DocumentId), so B stores less than for fresh documents."""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.lib import dms, seed
from bench.lib.cluster import A_ORGAN, B_ORGAN, make_pair
from bench.lib.docs import Documents
from node.store import store_from_url

ROUNDS = 30


async def claim_ms(db: Path, now: datetime) -> tuple[float, int]:
    """Median ms of one claim of 16 at ``now`` (released again), and how many it got."""
    store = store_from_url(f"sqlite://{db}")
    await store.open()
    try:
        samples, got = [], 0
        for _ in range(ROUNDS):
            started = time.perf_counter()
            claimed = await store.claim_due_deliveries(
                owner="bench", now=now, lease=timedelta(minutes=5), limit=16
            )
            samples.append((time.perf_counter() - started) * 1000)
            got = len(claimed)
            await store.release([c.id for c in claimed], owner="bench", now=now)
        return statistics.median(samples[5:]), got
    finally:
        await store.close()


def _counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT state, count(*) FROM deliveries GROUP BY state"))
    finally:
        conn.close()


async def run(root: Path, *, size: str) -> dict[str, Any]:
    queued, originals, window = {
        "smoke": (300, 10, 60.0),
        "quick": (2_000, 20, 120.0),
        "full": (100_000, 200, 240.0),
    }[size]
    docs = Documents(A_ORGAN, B_ORGAN)
    pair = make_pair(root, retry_initial="1h", max_interval="2h")
    a, b = pair.a, pair.b
    db = a.data_dir / "node.db"
    try:
        a.start()
        sent = await dms.submit_all(
            [a.dms_url], a.dms_token, [docs(i) for i in range(originals)], 8
        )
        if sent.refused:
            raise RuntimeError(f"backlog: refused {sent.refused}")
        await asyncio.sleep(1.0)  # first attempts fail (B down): next one in an hour
        a.stop()
        due = datetime.now(UTC)
        made = seed.clone_pending_sqlite(db, a.data_dir / "blobs", queued, due)
        idle_start, _ = await claim_ms(db, due - timedelta(hours=1))
        due_start, got = await claim_ms(db, due + timedelta(seconds=1))
        b.start()
        a.start()
        started = time.perf_counter()
        delivered = 0
        while time.perf_counter() - started < window:
            await asyncio.sleep(0.5)
            counts = _counts(db)
            delivered = counts.get("delivered", 0)
            if counts.get("pending", 0) + counts.get("in-flight", 0) == 0:
                break
        elapsed = time.perf_counter() - started
        a.stop()
        counts = _counts(db)
        left = counts.get("pending", 0) + counts.get("in-flight", 0)
        later = datetime.now(UTC) + timedelta(hours=3)  # past every lease: all left are due
        due_end, _ = await claim_ms(db, later)
        idle_end, _ = await claim_ms(db, due - timedelta(hours=1))
    finally:
        pair.stop()
    return {
        "queued": made,
        "delivered": delivered,
        "left_when_stopped": left,
        "dead": counts.get("dead", 0),
        "drain_per_s": delivered / elapsed,
        "window_s": elapsed,
        "claim_ms_start": due_start,
        "claim_ms_end": due_end,
        "claim_idle_ms_start": idle_start,
        "claim_idle_ms_end": idle_end,
        "claimed_per_claim_start": got,
    }
