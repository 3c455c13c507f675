"""Streaming a :class:`node.ports.driven.StoredBody` out while checking it is intact.

The bytes are hashed as they go. One chunk is held back until the next one
arrives, so the last chunk is released only after size and SHA-256 have been
checked: a receiver never gets a complete body that differs from what was
stored (a corrupted blob aborts the transfer instead). Memory stays at two
chunks whatever the body size.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from node.ports.driven import StoredBody

CHUNK_SIZE = 1 << 20


class BodyCorrupted(Exception):
    """The stored bytes no longer match their recorded size or SHA-256."""


class VerifiedStream:
    """An async iterable over a stored body; use once per transfer attempt."""

    def __init__(self, body: StoredBody, chunk_size: int = CHUNK_SIZE) -> None:
        self._body = body
        self._chunk_size = chunk_size
        self.bytes_out = 0
        self.corruption: str | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        digest = hashlib.sha256()
        size = 0
        held: bytes | None = None
        async for chunk in self._body.chunks(self._chunk_size):
            if not chunk:
                continue
            digest.update(chunk)
            size += len(chunk)
            if held is not None:
                self.bytes_out += len(held)
                yield held
            held = chunk
        self._check(size, digest.hexdigest())
        if held is not None:
            self.bytes_out += len(held)
            yield held

    def _check(self, size: int, sha256: str) -> None:
        if size != self._body.size:
            self.corruption = f"stored body has {size} bytes, {self._body.size} were recorded"
        elif sha256 != self._body.sha256:
            self.corruption = f"stored body sha256 is {sha256}, {self._body.sha256} was recorded"
        if self.corruption is not None:
            raise BodyCorrupted(self.corruption)
