"""Request bodies streamed to a spool file while hashing, never held whole in memory.

The size limit is enforced twice: up front from ``Content-Length`` (refused
before a byte is read) and while streaming (for chunked bodies or lying
clients). A refused or broken upload leaves no file behind. File writes and
hashing run in a worker thread in 1 MiB batches so the event loop never waits
on the disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
import uuid
from pathlib import Path
from typing import IO, Any

from aiohttp import StreamReader
from aiohttp.client_exceptions import ClientPayloadError

from node.errors import BadRequest, StoreUnavailable, TooLarge
from node.ports import IncomingBody

BATCH = 1 << 20
READ_CHUNK = 256 * 1024
SUFFIX = ".body"

log = logging.getLogger("lienthong.http")


class Spool:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

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

    def check_declared(self, length: int | None) -> None:
        if length is not None and length > self.max_bytes:
            raise TooLarge(self._too_large(length))

    async def receive(self, stream: StreamReader, *, declared: int | None) -> IncomingBody:
        """Stream ``stream`` into a new spool file; the caller owns the result
        (and deletes it if the engine did not take it)."""
        self.check_declared(declared)
        path = self.directory / f"{uuid.uuid4().hex}{SUFFIX}"
        try:
            return await self._copy(stream, path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    async def _copy(self, stream: StreamReader, path: Path) -> IncomingBody:
        hasher = hashlib.sha256()
        size = 0
        batch = bytearray()
        try:
            handle = await asyncio.to_thread(_open_new, path)
        except OSError as exc:
            raise StoreUnavailable(f"cannot write the spool file: {exc.strerror}") from None
        try:
            try:
                async for chunk in stream.iter_chunked(READ_CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge(self._too_large(None))
                    batch += chunk
                    if len(batch) >= BATCH:
                        await _flush(handle, hasher, batch)
                        batch = bytearray()
            except (ClientPayloadError, ConnectionError) as exc:
                raise BadRequest(f"the request body was not received completely: {exc}") from None
            if batch:
                await _flush(handle, hasher, batch)
        finally:
            await asyncio.to_thread(handle.close)
        if size == 0:
            raise BadRequest("the request body is empty; send the edXML file as the body")
        return IncomingBody(path=path, size=size, sha256=hasher.hexdigest())

    def _too_large(self, length: int | None) -> str:
        got = f" ({length} bytes)" if length is not None else ""
        return f"message is larger than this node's limit of {self.max_bytes} bytes{got}"


def _open_new(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


async def _flush(handle: IO[bytes], hasher: Any, data: bytearray) -> None:
    try:
        await asyncio.to_thread(_write, handle, hasher, data)
    except OSError as exc:
        raise StoreUnavailable(f"cannot write the spool file: {exc.strerror}") from None


def _write(handle: IO[bytes], hasher: Any, data: bytearray) -> None:
    hasher.update(data)
    handle.write(data)


def discard(body: IncomingBody | None) -> None:
    """Delete a spooled body the engine did not take (it moves what it keeps)."""
    if body is not None:
        body.path.unlink(missing_ok=True)
