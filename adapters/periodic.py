"""A background loop of the node's adapters: one round (``once``), then a wait
of ``delay()`` seconds or until ``stop()``; a round that raises is logged and
the loop goes on (nothing a remote side answers can end it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger("lienthong.background")


class Periodic:
    def __init__(self, name: str) -> None:
        self.name = name
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def prepare(self) -> None:
        """Before the first round (in ``start``)."""

    async def once(self) -> None:
        raise NotImplementedError

    def delay(self) -> float:
        raise NotImplementedError

    async def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            await self.prepare()
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.once()
            except Exception:  # keep the node and the loop alive whatever happened
                log.exception("%s: round failed", self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.delay())
