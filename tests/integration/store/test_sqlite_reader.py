"""SQLite: reads have their own connection, so they answer while a write waits
for the database (another process holding the write lock, or a slow fsync)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from node.errors import StoreUnavailable
from node.store import store_from_url
from tests.integration.store.conftest import message


async def test_a_read_answers_while_a_write_waits_for_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    store = store_from_url(f"sqlite://{path}")
    await store.open()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        first = message()
        await store.accept([first])
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        second = message(document_id="000.00.00.H41,2026/11/20,2/UBND")
        writing = asyncio.create_task(store.accept([second]))
        await asyncio.sleep(0.2)
        assert not writing.done()
        record = await asyncio.wait_for(store.message(first.id), 5)
        assert record is not None
        assert record.id == first.id
        assert await asyncio.wait_for(store.find_keys([f"test|{first.id}"]), 5)
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 10)
        assert await store.message(second.id) is not None  # the reader sees the new commit
    finally:
        other.close()
        await store.close()


async def test_the_reader_cannot_write(tmp_path: Path) -> None:
    from node.store.sqlite.connection import Db

    path = tmp_path / "node.db"
    store = store_from_url(f"sqlite://{path}")
    await store.open()
    await store.close()
    reader = Db(path, busy_timeout=1, reader=True)
    await reader.open()
    try:

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM messages")

        with pytest.raises(StoreUnavailable, match="readonly"):
            await reader.run(write)
    finally:
        await reader.close()
