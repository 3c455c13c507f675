"""The signature memory budget. XML-DSig over a whole document needs its tree in
memory: signing or verifying holds about 6–7 times the file's size at its peak
(measured: bench/README.md, ``large``). Concurrent signatures are admitted by
their weight in bytes, first come first served, so a few big documents at once
cannot take the process beyond ``EngineSettings.signature_memory``; a document
whose weight alone exceeds it can never be admitted and is refused (413)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator

from node.errors import TooLarge

SIGNATURE_MEMORY_FACTOR = 7
"""Peak memory of an XML-DSig sign or verify per byte of the document."""


def weight(size: int) -> int:
    return max(1, size) * SIGNATURE_MEMORY_FACTOR


class MemoryBudget:
    """A weighted semaphore over ``total`` bytes, fair (FIFO) so a big document
    waiting is not starved by a stream of small ones."""

    def __init__(self, total: int) -> None:
        if total < 1:
            raise ValueError(f"signature memory must be positive, got {total}")
        self.total = total
        self.used = 0
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    @contextlib.asynccontextmanager
    async def hold(self, size: int, what: str) -> AsyncIterator[None]:
        """Hold the memory to sign or verify ``size`` bytes for the block's duration."""
        need = weight(size)
        if need > self.total:
            raise TooLarge(
                f"{what} is {size} bytes: signing or verifying it needs about "
                f"{SIGNATURE_MEMORY_FACTOR} times that ({need} bytes) in memory, more than "
                f"this node's signature memory (limits.signature_memory = {self.total} bytes)"
            )
        if self._waiters or self.used + need > self.total:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (need, waiter)
            self._waiters.append(entry)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self.used -= need  # granted as we were cancelled: give it back
                with contextlib.suppress(ValueError):
                    self._waiters.remove(entry)
                self._wake()
                raise
        else:
            self.used += need
        try:
            yield
        finally:
            self.used -= need
            self._wake()

    def _wake(self) -> None:
        while self._waiters:
            need, waiter = self._waiters[0]
            if waiter.done():
                self._waiters.popleft()
                continue
            if self.used + need > self.total:
                return
            self._waiters.popleft()
            self.used += need
            waiter.set_result(None)
