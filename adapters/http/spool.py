"""Request bodies streamed to a spool file while hashing, never held whole in memory.

The size limit is enforced twice: up front from ``Content-Length`` (refused
before a byte is read) and while streaming (for chunked bodies or lying
clients). A refused or broken upload leaves no file behind. File writes and
hashing run in a worker thread in 2 MiB batches so the event loop never waits
on the disk; a small body (:data:`INLINE_BYTES`) stays in memory (the engine
reads it from there and the store keeps it as a row: no file to create, read
and unlink), or, for callers that need a file, is written on the loop, where
the thread hop would cost more than the write.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import os
import secrets
import time
from pathlib import Path
from typing import IO, Any

from aiohttp import StreamReader
from aiohttp.client_exceptions import ClientPayloadError

from node.engine.context import SMALL_BYTES
from node.errors import BadRequest, StoreUnavailable, TooLarge
from node.ports.api import IncomingBody

BATCH = 2 << 20
"""Bytes per hand-over to the writer thread; at most two batches per upload are
in memory (one being written, one filling)."""
INLINE_BYTES = SMALL_BYTES
"""A body of at most this many bytes, whole before its first batch is due,
stays in memory (``receive(memory=True)``, the default): the engine validates,
signs or verifies it from there and the store keeps it as a row, so it costs
no file to create, read and unlink (about 1 ms per document of both nodes in
e2e, measured 2026-12-08 by spooling to /dev/shm). A caller that needs a file
has it written on the event loop: one open + write + close into the page cache.
Measured on the 2-vCPU bench VM (2026-12-07): hash + write 20 KB ~50 µs,
128 KiB ~140 µs, 256 KiB ~760 µs; a thread hop ~40 µs of CPU when idle, more
under load. The engine's bound for small messages, taken from it so that the
two cannot drift apart."""
READ_CHUNK = 256 * 1024
SUFFIX = ".body"

log = logging.getLogger("lienthong.http")


class Spool:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        # Unique names without a system call per request: a random prefix per
        # process, then a counter (O_EXCL refuses any clash anyway).
        self._prefix = f"{os.getpid()}-{secrets.token_hex(6)}"
        self._counter = itertools.count()

    def prepare(self, *, stale_after: float = 3600.0, now: float | None = None) -> int:
        """Create the directory and delete bodies left over by a crash (older than
        ``stale_after`` seconds, so another process's uploads are left alone).
        Returns how many were deleted."""
        self.directory.mkdir(parents=True, exist_ok=True)
        limit = (time.time() if now is None else now) - stale_after
        removed = 0
        for path in self.directory.glob(f"*{SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
        return removed

    def writable(self) -> str | None:
        """None when a body could be spooled now, else why not (for /readyz):
        creates, writes one byte to, and removes a probe file."""
        probe = self.directory / f".ready-{self._prefix}-{next(self._counter)}"
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, b"\0")
            finally:
                os.close(fd)
                probe.unlink(missing_ok=True)
        except OSError as exc:
            return f"spool directory {self.directory} not writable: {exc.strerror or exc}"
        return None

    def check_declared(self, length: int | None) -> None:
        if length is not None and length > self.max_bytes:
            raise TooLarge(self._too_large(length))

    async def receive(
        self, stream: StreamReader, *, declared: int | None, memory: bool = True
    ) -> IncomingBody:
        """Stream ``stream`` into a new spool file; the caller owns the result
        (and deletes it if the engine did not take it). With ``memory``, a body
        of at most :data:`INLINE_BYTES` stays in memory instead (no file)."""
        self.check_declared(declared)
        path = self.directory / f"{self._prefix}-{next(self._counter)}{SUFFIX}"
        try:
            return await self._copy(stream, path, memory)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    async def _copy(self, stream: StreamReader, path: Path, memory: bool) -> IncomingBody:
        """Read while the previous batch is written (one write in flight at a
        time, so hashing stays in order); a body under one batch costs a single
        thread hop (open, write, close together), a small one none (and no
        file at all when it may stay in ``memory``)."""
        writer = _BatchWriter(path, memory)
        size = 0
        batch = bytearray()
        try:
            try:
                async for chunk in stream.iter_chunked(READ_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge(self._too_large(None))
                    batch += chunk
                    if len(batch) >= BATCH:
                        await writer.write(batch)
                        batch = bytearray()
            except (ClientPayloadError, ConnectionError) as exc:
                raise BadRequest(f"the request body was not received completely: {exc}") from None
            if size == 0:
                raise BadRequest("the request body is empty; send the edXML file as the body")
            digest = await writer.finish(batch)
        finally:
            await writer.close()
        return IncomingBody(path=path, size=size, sha256=digest, data=writer.kept)

    def _too_large(self, length: int | None) -> str:
        got = f" ({length} bytes)" if length is not None else ""
        return f"message is larger than this node's limit of {self.max_bytes} bytes{got}"


class _BatchWriter:
    """Writes and hashes batches in a worker thread, one in flight at a time."""

    def __init__(self, path: Path, memory: bool = False) -> None:
        self._path = path
        self._memory = memory
        self.kept: bytes | None = None
        """The whole body, when it was small enough to stay in memory."""
        self._hasher = hashlib.sha256()
        self._handle: IO[bytes] | None = None
        self._pending: asyncio.Future[None] | None = None

    async def write(self, data: bytearray) -> None:
        await self._wait()
        self._pending = asyncio.ensure_future(asyncio.to_thread(self._write, data))

    async def finish(self, data: bytearray) -> str:
        """Write the last batch, close the file; the body's SHA-256. A whole
        body of at most :data:`INLINE_BYTES` is kept in memory (``memory``)
        or written here, on the loop."""
        await self._wait()
        if self._handle is None and len(data) <= INLINE_BYTES:
            if self._memory:
                self.kept = bytes(data)
                return hashlib.sha256(self.kept).hexdigest()
            try:
                self._write(data, True)
            except OSError as exc:
                raise _unavailable(exc) from None
        else:
            await self._run(self._write, data, True)
        return self._hasher.hexdigest()

    async def close(self) -> None:
        """Release the file whatever happened (a write in flight is waited for,
        even when the request is being cancelled)."""
        try:
            with contextlib.suppress(Exception):
                await self._wait()
        finally:
            if self._handle is not None:
                handle, self._handle = self._handle, None
                handle.close()

    async def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            await self._guard(pending)

    async def _run(self, *args: Any) -> None:
        fn, *rest = args
        await self._guard(asyncio.to_thread(fn, *rest))

    @staticmethod
    async def _guard(work: Any) -> None:
        try:
            await work
        except OSError as exc:
            raise _unavailable(exc) from None

    def _write(self, data: bytearray, last: bool = False) -> None:
        if self._handle is None:
            fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            self._handle = os.fdopen(fd, "wb")
        self._hasher.update(data)
        self._handle.write(data)
        if last:
            handle, self._handle = self._handle, None
            handle.close()


def _unavailable(exc: OSError) -> StoreUnavailable:
    """A spool write that failed (disk full, permissions): 503, never a 500."""
    return StoreUnavailable(f"cannot write the spool file: {exc.strerror}")


def discard(body: IncomingBody | None) -> None:
    """Delete a spooled body the core did not take. The core owns a body once it
    is called (it moves what it keeps and deletes the rest), so this runs only
    when a call failed: one syscall on an error path."""
    if body is not None and body.data is None:
        body.path.unlink(missing_ok=True)
