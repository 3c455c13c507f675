"""Streaming a stored body: the last chunk is released only once size and hash
are confirmed, so a corrupted blob never reaches a receiver complete."""

from __future__ import annotations

import pytest

from adapters.transport.body import BodyCorrupted, VerifiedStream
from tests.support.bodies import BytesBody

DATA = bytes(range(256)) * 40  # 10 KiB


async def collect(stream: VerifiedStream) -> list[bytes]:
    return [chunk async for chunk in stream]


async def test_intact_body_streams_whole() -> None:
    stream = VerifiedStream(BytesBody(DATA), chunk_size=3000)
    chunks = await collect(stream)
    assert b"".join(chunks) == DATA
    assert max(len(c) for c in chunks) <= 3000
    assert stream.bytes_out == len(DATA)
    assert stream.corruption is None


@pytest.mark.parametrize(
    "body",
    [BytesBody(DATA, sha256="f" * 64), BytesBody(DATA, size=len(DATA) - 1)],
    ids=["hash", "size"],
)
async def test_corruption_withholds_the_last_chunk(body: BytesBody) -> None:
    stream = VerifiedStream(body, chunk_size=3000)
    released: list[bytes] = []

    async def drain() -> None:
        async for chunk in stream:
            released.append(chunk)

    with pytest.raises(BodyCorrupted):
        await drain()
    assert len(b"".join(released)) < len(DATA)
    assert DATA.startswith(b"".join(released))
    assert stream.corruption is not None


async def test_empty_body() -> None:
    stream = VerifiedStream(BytesBody(b""))
    assert await collect(stream) == []
