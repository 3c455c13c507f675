"""e2e: DMS A → node A (signs) → node B (verifies) → DMS B inbox, two real
processes on loopback; the floor (same documents, no I/O) in the same run."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bench.lib import dms
from bench.lib.cluster import A_ORGAN, B_ORGAN, Pair, make_pair, test_pki
from bench.lib.docs import Documents
from bench.lib.floor import floor_docs_per_s

CONCURRENCY = 16


async def flow(
    pair: Pair, docs: Documents, first: int, count: int, within: float
) -> dict[str, Any]:
    """Submit ``count`` documents as fast as accepted; the time until all are in B's inbox."""
    bodies = [docs(first + i) for i in range(count)]
    cpu0 = pair.a.cpu_seconds() + pair.b.cpu_seconds()
    started = time.perf_counter()
    async with dms.background(
        dms.consume_inbox(pair.b.dms_url, pair.b.dms_token, count, within)
    ) as consumer:
        sent = await dms.submit_all([pair.a.dms_url], pair.a.dms_token, bodies, CONCURRENCY)
        arrived = await consumer
    cpu = pair.a.cpu_seconds() + pair.b.cpu_seconds() - cpu0
    if sent.refused or arrived is None:
        raise RuntimeError(f"e2e: refused {sent.refused}, all arrived: {arrived is not None}")
    elapsed = arrived - started
    return {
        "docs_per_s": count / elapsed,
        "accepted_per_s": sent.rate(),
        "cpu_ms_per_doc": cpu * 1000 / count,
    }


async def latency(
    pair: Pair, docs: Documents, first: int, count: int, rate: float
) -> dms.Submitted:
    bodies = [docs(first + i) for i in range(count)]
    async with dms.background(
        dms.consume_inbox(pair.b.dms_url, pair.b.dms_token, count, 120 + count / rate)
    ) as consumer:
        sent = await dms.submit_paced(pair.a.dms_url, pair.a.dms_token, bodies, rate)
        arrived = await consumer
    if arrived is None:
        raise RuntimeError("e2e: paced documents did not all arrive")
    return sent


async def run(root: Path, *, size: str, storage: tuple[str | None, str | None]) -> dict[str, Any]:
    count, paced, floor_count = {
        "smoke": (20, 10, 5),
        "quick": (60, 40, 20),
        "full": (600, 300, 150),
    }[size]
    docs = Documents(A_ORGAN, B_ORGAN)
    pair = make_pair(root, storage=storage, log_level="info")
    try:
        pair.b.start()
        pair.a.start()
        await flow(pair, docs, 0, 10, 120)  # warm-up: imports, connections, caches
        measured = await flow(pair, docs, 100, count, 60 + count)
        sent = await latency(pair, docs, 10_000, paced, measured["docs_per_s"] / 2)
        rss = {f"rss_mb_{n.name}": n.rss()[1] for n in (pair.a, pair.b)}
    finally:
        pair.stop()
    # the verifier runs its own event loop: measure in a thread (still one core)
    floor, floor_cpu = await asyncio.to_thread(
        floor_docs_per_s, test_pki(), A_ORGAN, docs, floor_count
    )
    return {
        "documents": count,
        "doc_bytes": len(docs(0)),
        "docs_per_s": measured["docs_per_s"],
        "floor_docs_per_s": floor,
        "ratio_to_floor": measured["docs_per_s"] / floor,
        "accepted_per_s": measured["accepted_per_s"],
        "cpu_ms_per_doc": measured["cpu_ms_per_doc"],
        "floor_cpu_ms_per_doc": floor_cpu,
        "cpu_ratio_to_floor": floor_cpu / measured["cpu_ms_per_doc"],
        "half_load_per_s": measured["docs_per_s"] / 2,
        "p50_ms": sent.p50_ms(),
        "p99_ms": sent.percentile_ms(0.99),
        **rss,
    }
