"""Spooling a request body: a small body whole before its first batch stays
in memory (no file), or, where the caller needs a file, is written on the
event loop (no thread hop); a bigger one is written by the writer thread;
either way the same bytes and SHA-256, and a failing disk is a 503."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

import adapters.http.spool as spool_module
from adapters.http.spool import BATCH, INLINE_BYTES, Spool
from node.errors import StoreUnavailable


class Stream:
    """The part of aiohttp's StreamReader the spool reads."""

    def __init__(self, data: bytes, chunk: int = 64 * 1024) -> None:
        self._data = data
        self._chunk = chunk

    async def iter_chunked(self, n: int) -> AsyncIterator[bytes]:
        for i in range(0, len(self._data), self._chunk):
            yield self._data[i : i + self._chunk]


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[Callable[..., Any]]:
    """The functions the spool hands to a thread."""
    seen: list[Callable[..., Any]] = []
    real = asyncio.to_thread

    async def to_thread(fn: Callable[..., Any], /, *args: Any) -> Any:
        seen.append(fn)
        return await real(fn, *args)

    monkeypatch.setattr(spool_module.asyncio, "to_thread", to_thread)
    return seen


async def _receive(tmp_path: Path, data: bytes) -> tuple[Path, int, str]:
    spool = Spool(tmp_path, max_bytes=64 << 20)
    body = await spool.receive(Stream(data), declared=None, memory=False)  # type: ignore[arg-type]
    assert body.data is None
    return body.path, body.size, body.sha256


@pytest.mark.parametrize(
    ("size", "kept"), [(20_000, True), (INLINE_BYTES, True), (INLINE_BYTES + 1, False)]
)
async def test_a_small_body_stays_in_memory_and_writes_no_file(
    tmp_path: Path, hops: list[Callable[..., Any]], size: int, kept: bool
) -> None:
    data = os.urandom(size)
    spool = Spool(tmp_path, max_bytes=64 << 20)

    body = await spool.receive(Stream(data), declared=None)  # type: ignore[arg-type]

    assert (body.size, body.sha256) == (size, hashlib.sha256(data).hexdigest())
    if kept:
        assert body.source == data
        assert body.data == data
        assert body.files == ()
        assert os.listdir(tmp_path) == []
        assert hops == []
    else:
        assert body.data is None
        assert body.files == (body.path,)
        assert body.source == body.path
        assert body.path.read_bytes() == data


@pytest.mark.parametrize(
    ("size", "threaded"),
    [(20_000, False), (INLINE_BYTES, False), (INLINE_BYTES + 1, True), (BATCH + 5, True)],
)
async def test_a_body_is_spooled_whole_on_the_loop_only_when_small(
    tmp_path: Path, hops: list[Callable[..., Any]], size: int, threaded: bool
) -> None:
    data = os.urandom(size)

    path, got, digest = await _receive(tmp_path, data)

    assert path.read_bytes() == data
    assert (got, digest) == (size, hashlib.sha256(data).hexdigest())
    assert bool(hops) is threaded
    assert os.stat(path).st_mode & 0o777 == 0o600


@pytest.mark.parametrize("size", [20_000, INLINE_BYTES + 1])
async def test_a_failing_disk_is_a_503_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    real_open = os.open

    def full(path: Any, flags: int, mode: int = 0o777) -> int:
        fd = real_open(path, flags, mode)
        os.close(fd)  # created, then the disk fills up: the file must go again
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spool_module.os, "open", full)

    with pytest.raises(StoreUnavailable, match="spool file: No space left") as refused:
        await _receive(tmp_path, os.urandom(size))

    assert refused.value.http_status == 503
    assert os.listdir(tmp_path) == []
