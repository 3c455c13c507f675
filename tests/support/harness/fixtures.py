"""Running node pairs for the e2e layer and the bench scripts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from tests.support.harness.nodes import NodeSetup, make_pair
from tests.support.harness.process import NodeProcess


@contextlib.contextmanager
def running(*processes: NodeProcess) -> Iterator[tuple[NodeProcess, ...]]:
    """Start the processes (in order); always stop them (SIGTERM, then SIGKILL)."""
    try:
        for process in processes:
            process.start()
        yield processes
    finally:
        for process in processes:
            process.stop()


@contextlib.contextmanager
def running_pair(
    root: Path, **options: object
) -> Iterator[tuple[tuple[NodeProcess, NodeProcess], tuple[NodeSetup, NodeSetup]]]:
    a, b = make_pair(root, **options)  # type: ignore[arg-type]
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    processes = (a.process(logs), b.process(logs))
    with running(*processes):
        yield processes, (a, b)


@contextlib.asynccontextmanager
async def arunning(*processes: NodeProcess) -> AsyncIterator[tuple[NodeProcess, ...]]:
    """``running`` that keeps the event loop free while nodes start (for a proxy
    served by this loop that the nodes need at start)."""
    try:
        for process in processes:
            await asyncio.to_thread(process.start)
        yield processes
    finally:
        for process in processes:
            await asyncio.to_thread(process.stop)
