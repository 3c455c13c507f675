"""scale: DMS submit rate into node A with an empty store vs with many stored
messages (finished history: message, hop, delivery, dedup key each)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.lib import dms, pg, seed
from bench.lib.cluster import A_ORGAN, B_ORGAN, Node, make_pair
from bench.lib.docs import Documents

CONCURRENCY = 16


async def _scrape_ms(node: Node, rounds: int = 5) -> float:
    """Median ms of one GET /metrics (it counts the store's rows)."""
    samples = []
    async with aiohttp.ClientSession() as http:
        for _ in range(rounds):
            started = time.perf_counter()
            async with http.get(f"{node.dms_url}/metrics") as resp:
                await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"scale: /metrics answered {resp.status}")
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def _rate(node: Node, docs: Documents, first: int, count: int) -> float:
    await dms.submit_all([node.dms_url], node.dms_token, [docs(first + i) for i in range(20)], 8)
    sent = await dms.submit_all(
        [node.dms_url], node.dms_token, [docs(first + 100 + i) for i in range(count)], CONCURRENCY
    )
    if sent.refused:
        raise RuntimeError(f"scale: refused {sent.refused}")
    return sent.rate()


async def run(root: Path, *, size: str, engine: str) -> dict[str, Any]:
    stored, count = {
        "smoke": (5_000, 20),
        "quick": (20_000, 60),
        "full": (1_000_000, 400),
    }[size]
    docs = Documents(A_ORGAN, B_ORGAN)
    if engine == "postgres":
        async with pg.schemas(1) as (schema,):
            return await _run(root, docs, stored, count, schema)
    return await _run(root, docs, stored, count, None)


async def _run(
    root: Path, docs: Documents, stored: int, count: int, schema: str | None
) -> dict[str, Any]:
    # node B stays down: A keeps what it accepts (first retry in an hour)
    storage = (pg.url(schema) if schema else None, None)
    pair = make_pair(root, storage=storage, retry_initial="1h", max_interval="2h")
    a = pair.a
    try:
        a.start()
        empty = await _rate(a, docs, 0, count)
        scrape_empty = await _scrape_ms(a)
        a.stop()
        started = time.perf_counter()
        if schema is None:
            seed.seed_sqlite(a.data_dir / "node.db", stored, A_ORGAN, B_ORGAN)
        else:
            await seed.seed_postgres(pg.dsn(), schema, stored, A_ORGAN, B_ORGAN)
        seeded = time.perf_counter() - started
        a.start()
        full = await _rate(a, docs, 100_000, count)
        scrape_full = await _scrape_ms(a)
    finally:
        pair.stop()
    return {
        "engine": "postgres" if schema else "sqlite",
        "stored": stored,
        "submits": count,
        "empty_per_s": empty,
        "full_per_s": full,
        "ratio": full / empty,
        "metrics_ms_empty": scrape_empty,
        "metrics_ms_full": scrape_full,
        "seed_s": seeded,
    }
