"""StoredBody implementations for tests (the real one lives in node.store)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path


class BytesBody:
    def __init__(self, data: bytes, *, sha256: str | None = None, size: int | None = None) -> None:
        self.data = data
        self.size = len(data) if size is None else size
        self.sha256 = sha256 or hashlib.sha256(data).hexdigest()

    async def chunks(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), chunk_size):
            yield self.data[start : start + chunk_size]


class FileBody:
    """Streams a file; ``sha256`` must be given (computing it would read the file)."""

    def __init__(self, path: Path, sha256: str) -> None:
        self.path = path
        self.size = path.stat().st_size
        self.sha256 = sha256

    async def chunks(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        with self.path.open("rb") as handle:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
