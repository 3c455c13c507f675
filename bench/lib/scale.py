"""scale: DMS submit rate into a node with an empty store vs one with many
stored messages (finished history: message, hop, delivery, dedup key each).
Two node processes side by side (same config, own stores), submitted to in
alternating rounds; each keeps its best round (the machine may be shared)."""

from __future__ import annotations

import re
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
    sent = await dms.submit_all(
        [node.dms_url], node.dms_token, [docs(first + i) for i in range(count)], CONCURRENCY
    )
    if sent.refused:
        raise RuntimeError(f"scale: refused {sent.refused}")
    return sent.rate()


async def run(root: Path, *, size: str, engine: str) -> dict[str, Any]:
    stored, count, rounds = {
        "smoke": (5_000, 20, 1),
        "quick": (20_000, 60, 2),
        "full": (1_000_000, 300, 3),
    }[size]
    docs = Documents(A_ORGAN, B_ORGAN)
    if engine == "postgres":
        async with pg.schemas(2) as schemas:
            return await _run(root, docs, (stored, count, rounds), schemas)
    return await _run(root, docs, (stored, count, rounds), None)


async def _run(
    root: Path, docs: Documents, sizes: tuple[int, int, int], schemas: list[str] | None
) -> dict[str, Any]:
    stored, count, rounds = sizes
    # node B stays down: what A accepts stays queued (first retry in an hour)
    storage = (pg.url(schemas[0]) if schemas else None, None)
    pair = make_pair(root, storage=storage, retry_initial="1h", max_interval="2h")
    full = pair.a
    empty = pair.twin_of_a("empty")  # its own data dir (SQLite) ...
    if schemas:  # ... or its own schema
        text = empty.config.read_text()
        empty.config.write_text(re.sub(r"schema=\w+", f"schema={schemas[1]}", text))
    try:
        full.start()  # creates the store
        full.stop()
        started = time.perf_counter()
        if schemas is None:
            seed.seed_sqlite(full.data_dir / "node.db", stored, A_ORGAN, B_ORGAN)
        else:
            await seed.seed_postgres(pg.dsn(), schemas[0], stored, A_ORGAN, B_ORGAN)
        seeded = time.perf_counter() - started
        full.start()
        empty.start()
        best = {"empty": 0.0, "full": 0.0}
        first = 0
        for _ in range(rounds):
            for name, node in (("empty", empty), ("full", full)):
                await _rate(node, docs, first, 20)  # warm-up
                best[name] = max(best[name], await _rate(node, docs, first + 100, count))
                first += 100_000
        scrape = {name: await _scrape_ms(node) for name, node in (("empty", empty), ("full", full))}
    finally:
        pair.stop()
    return {
        "engine": "postgres" if schemas else "sqlite",
        "stored": stored,
        "submits": count,
        "rounds": rounds,
        "empty_per_s": best["empty"],
        "full_per_s": best["full"],
        "ratio": best["full"] / best["empty"],
        "metrics_ms_empty": scrape["empty"],
        "metrics_ms_full": scrape["full"],
        "seed_s": seeded,
    }
