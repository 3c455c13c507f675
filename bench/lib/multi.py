"""multi: one vs two node-A processes on one PostgreSQL schema (sender side):
documents accepted/s and delivered/s into B's inbox, and duplicates seen there."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.lib import dms, pg
from bench.lib.cluster import A_ORGAN, B_ORGAN, Node, Pair, make_pair
from bench.lib.docs import Documents

CONCURRENCY = 16


async def _round(
    pair: Pair, senders: list[Node], docs: Documents, first: int, count: int
) -> dict[str, float]:
    seen: Counter[str] = Counter()
    started = time.perf_counter()
    async with dms.background(
        dms.consume_inbox(
            pair.b.dms_url,
            pair.b.dms_token,
            count,
            120 + count,
            on_item=lambda item: seen.update([str(item["document_id"])]),
        )
    ) as consumer:
        sent = await dms.submit_all(
            [n.dms_url for n in senders],
            pair.a.dms_token,
            [docs(first + i) for i in range(count)],
            CONCURRENCY,
        )
        arrived = await consumer
    if sent.refused or arrived is None:
        raise RuntimeError(f"multi: refused {sent.refused}, all arrived: {arrived is not None}")
    await asyncio.sleep(1.0)  # anything delivered twice would show up now
    await dms.consume_inbox(
        pair.b.dms_url,
        pair.b.dms_token,
        1,
        2.0,
        on_item=lambda item: seen.update([str(item["document_id"])]),
    )
    return {
        "accepted_per_s": sent.rate(),
        "delivered_per_s": count / (arrived - started),
        "duplicates": sum(n - 1 for n in seen.values()),
    }


async def run(root: Path, *, size: str) -> dict[str, Any]:
    count = {"smoke": 20, "quick": 60, "full": 600}[size]
    docs = Documents(A_ORGAN, B_ORGAN)
    async with pg.schemas(2) as (a_schema, b_schema):
        pair = make_pair(root, storage=(pg.url(a_schema), pg.url(b_schema)), log_level="info")
        try:
            pair.b.start()
            pair.a.start()
            await _round(pair, [pair.a], docs, 0, 10)  # warm-up
            one = await _round(pair, [pair.a], docs, 1_000, count)
            twin = pair.twin_of_a("a2")
            twin.start()
            await _round(pair, [pair.a, twin], docs, 5_000, 10)
            two = await _round(pair, [pair.a, twin], docs, 10_000, count)
        finally:
            pair.stop()
    return {
        "documents": count,
        "one_accepted_per_s": one["accepted_per_s"],
        "two_accepted_per_s": two["accepted_per_s"],
        "ratio_accepted": two["accepted_per_s"] / one["accepted_per_s"],
        "one_delivered_per_s": one["delivered_per_s"],
        "two_delivered_per_s": two["delivered_per_s"],
        "ratio_delivered": two["delivered_per_s"] / one["delivered_per_s"],
        "duplicates": one["duplicates"] + two["duplicates"],
    }
