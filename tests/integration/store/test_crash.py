"""A process accepting messages is SIGKILLed at random moments, over and over.
After each kill, every id it printed (it prints only after the commit) is fully
there — row, exact bytes, delivery, inbox row, status, keys — and nothing
half-written is visible."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from node.store import Store, store_from_url
from node.store.records import SearchFilter
from tests.integration.store.conftest import Target, read_all

ROOT = Path(__file__).resolve().parents[3]
KILLS = 20


async def _kill_at_random(
    target: Target, spool: Path, seed: int, rng: random.Random
) -> list[tuple[str, str]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.store.crash_writer",
        target.url,
        str(spool),
        str(seed),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        ready = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
        assert ready == b"ready\n", ready + (await proc.stderr.read() if proc.stderr else b"")
        await asyncio.sleep(rng.uniform(0.01, 0.4))
    finally:
        if proc.returncode is None:
            os.kill(proc.pid, signal.SIGKILL)
        out, err = await proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()
    lines = out.decode().splitlines()
    printed = []
    for line in lines:
        parts = line.split()
        if len(parts) == 2:  # a torn last line was never fully printed
            printed.append((parts[0], parts[1]))
    return printed


async def _everything_is_whole(store: Store) -> int:
    count = 0
    cursor = None
    while True:
        page, cursor = await store.search(SearchFilter(), limit=200, after=cursor)
        for record in page:
            count += 1
            deliveries = await store.deliveries(record.id)
            assert len(deliveries) == 1, f"{record.id}: deliveries {deliveries}"
            assert await store.in_inbox_of(record.id, ["000.00.12.H41"])
            assert len(await store.status_history(record.document_id, "000.00.12.H41")) == 1
            data = await read_all(store, record.id, chunk_size=1 << 20)
            assert hashlib.sha256(data).hexdigest() == record.sha256
        if cursor is None:
            return count


@pytest.mark.slow
async def test_sigkill_never_loses_or_half_writes(target: Target, tmp_path: Path) -> None:
    target.door()  # the writer is another process
    spool = tmp_path / "spool"
    spool.mkdir()
    rng = random.Random(20261120)
    printed_total: list[tuple[str, str]] = []

    for kill in range(KILLS):
        printed_total += await _kill_at_random(target, spool, kill, rng)
        store = store_from_url(target.url)
        await store.open()
        try:
            for message_id, sha in printed_total:
                record = await store.message(message_id)
                assert record is not None, f"kill {kill}: printed {message_id} is missing"
                assert record.sha256 == sha
                assert hashlib.sha256(await read_all(store, message_id)).hexdigest() == sha
            stored = await _everything_is_whole(store)
        finally:
            await store.close()
        assert stored >= len(printed_total)

    assert len(printed_total) > KILLS, "the writer should commit several messages per run"
    if target.sqlite_path is not None:
        incoming = target.sqlite_path.parent / "blobs" / "incoming"
        assert list(incoming.iterdir()) == [], "orphaned blobs are swept at start"
