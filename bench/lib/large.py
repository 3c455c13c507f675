"""large: one document with a big attachment from DMS A to DMS B's inbox;
MB/s and the peak RSS (VmHWM) of each node process."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.lib import dms
from bench.lib.cluster import A_ORGAN, B_ORGAN, make_pair
from bench.lib.docs import MB, write_large


async def run(root: Path, *, size: str) -> dict[str, Any]:
    attachment = {"smoke": 2, "quick": 10, "full": 200}[size] * MB
    # 200 MB of attachment is ~270 MB of base64 XML: above the default 256 MiB limit
    pair = make_pair(root, log_level="info", max_message_bytes=512 * MB)
    path = root / "large.edxml"
    size = write_large(path, A_ORGAN, B_ORGAN, attachment)
    try:
        pair.b.start()
        pair.a.start()
        idle = {n.name: n.rss()[0] for n in (pair.a, pair.b)}
        cpu = {n.name: n.cpu_seconds() for n in (pair.a, pair.b)}
        started = time.perf_counter()
        headers = {"Authorization": f"Bearer {pair.a.dms_token}", "Content-Type": "application/xml"}
        async with (
            dms.background(dms.consume_inbox(pair.b.dms_url, pair.b.dms_token, 1, 900)) as consumer,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900)) as http,
        ):
            with path.open("rb") as body:
                async with http.post(
                    f"{pair.a.dms_url}/api/v1/documents", data=body, headers=headers
                ) as resp:
                    answer = await resp.text()
                    if resp.status != 202:
                        raise RuntimeError(f"large: submit answered {resp.status}: {answer}")
            accepted = time.perf_counter() - started
            arrived = await consumer
        if arrived is None:
            raise RuntimeError("large: the document did not reach B's inbox")
        peaks = {n.name: n.rss()[1] for n in (pair.a, pair.b)}
        helpers = {n.name: n.helpers_peak_rss() for n in (pair.a, pair.b)}
        cpu = {n.name: n.cpu_seconds() - cpu[n.name] for n in (pair.a, pair.b)}
    finally:
        pair.stop()
    elapsed = arrived - started
    return {
        "file_mb": size / MB,
        "mb_per_s": size / MB / elapsed,
        "submit_accepted_s": accepted,
        "end_to_end_s": elapsed,
        "cpu_s_a": cpu["a"],
        "cpu_s_b": cpu["b"],
        "peak_rss_mb_a": peaks["a"],
        "peak_rss_mb_b": peaks["b"],
        "offload_peak_rss_mb_a": helpers["a"],
        "offload_peak_rss_mb_b": helpers["b"],
        "idle_rss_mb_a": idle["a"],
        "idle_rss_mb_b": idle["b"],
        "peak_over_file_a": (peaks["a"] - idle["a"]) * MB / size,
        "peak_over_file_b": (peaks["b"] - idle["b"]) * MB / size,
    }
