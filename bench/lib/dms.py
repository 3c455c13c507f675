"""DMS clients over the real HTTP API: submitters (as fast as allowed, or paced)
and an inbox consumer that opens and acknowledges what arrives."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

PAGE = 100
T = TypeVar("T")


@dataclass
class Submitted:
    latencies: list[float] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0

    @property
    def accepted(self) -> int:
        return len(self.latencies)

    def rate(self) -> float:
        return self.accepted / max(self.ended - self.started, 1e-9)

    def percentile_ms(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

    def p50_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else 0.0


@contextlib.asynccontextmanager
async def background(work: Coroutine[Any, Any, T]) -> AsyncIterator[asyncio.Task[T]]:
    """Run ``work`` (an inbox consumer) beside the block; cancelled if the block fails."""
    task = asyncio.create_task(work)
    try:
        yield task
    except BaseException:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
        raise


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}


async def _post(
    http: aiohttp.ClientSession, url: str, token: str, body: bytes, out: Submitted
) -> None:
    started = time.perf_counter()
    async with http.post(f"{url}/api/v1/documents", data=body, headers=_headers(token)) as resp:
        await resp.read()
        if resp.status in (200, 202):
            out.latencies.append(time.perf_counter() - started)
        else:
            out.refused[resp.status] = out.refused.get(resp.status, 0) + 1


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=600),
        connector=aiohttp.TCPConnector(limit=64),
    )


async def submit_all(
    urls: list[str], token: str, bodies: Iterable[bytes], concurrency: int
) -> Submitted:
    """Submit every body, ``concurrency`` at a time, spread over ``urls``."""
    out = Submitted()
    queue = iter(bodies)

    async def worker(http: aiohttp.ClientSession, url: str) -> None:
        for body in queue:
            await _post(http, url, token, body, out)

    async with _session() as http:
        out.started = time.perf_counter()
        await asyncio.gather(*(worker(http, urls[i % len(urls)]) for i in range(concurrency)))
        out.ended = time.perf_counter()
    return out


async def submit_paced(url: str, token: str, bodies: list[bytes], rate: float) -> Submitted:
    """Open-loop load: one submit every 1/rate seconds, whatever the answers take."""
    out = Submitted()
    async with _session() as http:
        out.started = time.perf_counter()
        tasks = []
        for i, body in enumerate(bodies):
            delay = out.started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_post(http, url, token, body, out)))
        await asyncio.gather(*tasks)
        out.ended = time.perf_counter()
    return out


async def consume_inbox(
    url: str,
    token: str,
    want: int,
    within: float,
    *,
    kind: str = "document",
    on_item: Callable[[dict[str, object]], None] | None = None,
) -> float | None:
    """Open and acknowledge every inbox item until ``want`` of ``kind`` were seen
    (as a DMS does); the perf_counter time of the last one, or None on timeout."""
    seen: set[str] = set()
    got = 0
    deadline = time.perf_counter() + within
    headers = {"Authorization": f"Bearer {token}"}
    async with _session() as http:

        async def take(item: dict[str, object]) -> None:
            async with http.get(f"{url}/api/v1/messages/{item['id']}", headers=headers) as r:
                async for _ in r.content.iter_chunked(1 << 20):
                    pass  # read to the end as a DMS saving it to disk would, never whole
            async with http.post(f"{url}/api/v1/messages/{item['id']}/ack", headers=headers) as r:
                await r.read()

        sem = asyncio.Semaphore(4)

        async def bounded(item: dict[str, object]) -> None:
            async with sem:
                await take(item)

        while time.perf_counter() < deadline:
            async with http.get(f"{url}/api/v1/inbox?limit={PAGE}", headers=headers) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"inbox: {resp.status} {await resp.text()}")
                items = (await resp.json())["items"]
            fresh = [i for i in items if i["id"] not in seen]
            for item in fresh:
                seen.add(str(item["id"]))
            if fresh:
                await asyncio.gather(*(bounded(i) for i in fresh))
                for item in fresh:
                    if item["kind"] == kind and on_item is not None:
                        on_item(item)
            got += sum(1 for i in fresh if i["kind"] == kind)
            if got >= want:
                return time.perf_counter()
            if not fresh:
                await asyncio.sleep(0.05)
    return None
