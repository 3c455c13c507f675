"""A spare process for the pure half of a big message's checks.

A big message is read whole twice before it is stored: once to validate it,
once to sign it (the digest of its canonical form) or verify it. Both passes
are Python over expat, so two threads of one process take turns on the GIL
and the second pass waits for the first. Here the key-free one (validation
on the receiving side, the signature's digest on the signing side) runs in
another process at the same time, on the other core; keys never leave the
node process.

What runs there is a pure function of a spooled file's name: its answer is
used as if it had been computed here (a digest is used only for the very
file it was made from), and when the process is gone, busy or broken the
caller computes it itself (:meth:`Offload.submit` answers None, or the
future fails): the answer is the same, only later.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

THRESHOLD = 4 * 1024 * 1024
"""Below this many bytes a message is checked in one process: handing it over
would cost more than the pass it saves."""


class Offload:
    """One worker process (``spawn``: nothing of the node's state is copied
    into it), started by :meth:`start` or the first :meth:`submit`, and
    ``warm`` run there first (imports, the schema)."""

    def __init__(
        self, *, threshold: int = THRESHOLD, warm: Callable[[], object] | None = None
    ) -> None:
        self.threshold = threshold
        self._warm = warm
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self._ensure()

    def _ensure(self) -> ProcessPoolExecutor | None:
        if self._closed:
            return None
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=exit_with_parent,
            )
            if self._warm is not None:
                self._pool.submit(self._warm)  # the process starts now, not at the first message
        return self._pool

    def wants(self, size: int) -> bool:
        return not self._closed and size >= self.threshold

    def submit(self, size: int, fn: Callable[..., T], *args: Any) -> Future[T] | None:
        """``fn(*args)`` in the worker process, or None: the message is small,
        the offload is closed, or its process cannot be started (the caller
        then does the work itself)."""
        if not self.wants(size):
            return None
        with self._lock:
            for _ in range(2):  # a pool whose worker died is replaced once
                pool = self._ensure()
                if pool is None:
                    return None
                try:
                    return pool.submit(fn, *args)
                except BrokenProcessPool:
                    log.warning("the offload process died; starting a new one")
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = None
                except RuntimeError:  # shut down under us (the node is stopping)
                    return None
        return None

    def close(self) -> None:
        """Stop the worker; running work is abandoned (its callers compute it)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def exit_with_parent() -> None:
    """In the worker, as it starts: end it when the node ends, even by kill -9
    (nothing else would: it waits for work on a pipe it holds both ends of)."""
    parent = multiprocessing.parent_process()
    if parent is None:  # pragma: no cover - always a child here
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="lienthong-offload-parent", daemon=True).start()


def result_or_none(future: Future[T] | None) -> T | None:
    """The worker's answer, or None when there is none to use (no future, or
    the worker failed in a way that is not the message's fault)."""
    if future is None:
        return None
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the caller computes it itself
        log.warning("offloaded work failed, done here instead: %s: %s", type(exc).__name__, exc)
        return None
