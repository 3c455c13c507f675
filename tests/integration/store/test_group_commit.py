"""SQLite group commit: writes that arrive together share one COMMIT (one WAL
fsync); each still succeeds or fails on its own, and nobody hears back before
the commit that holds their write."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from node.errors import StoreUnavailable
from node.store import store_from_url
from node.store.sqlite.connection import Db, transaction
from tests.integration.store.conftest import message


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = store_from_url(f"sqlite://{tmp_path / 'node.db'}")
    await store.open()  # migrated
    await store.close()
    writer = Db(tmp_path / "node.db", busy_timeout=5)
    await writer.open()

    def create(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")

    await writer.run(create)
    yield writer
    await writer.close()


def insert(conn: sqlite3.Connection, n: int) -> int:
    with transaction(conn):
        conn.execute("INSERT INTO t (n) VALUES (?)", (n,))
    return n


def insert_then_fail(conn: sqlite3.Connection, n: int) -> None:
    with transaction(conn):
        conn.execute("INSERT INTO t (n) VALUES (?)", (n,))
        raise StoreUnavailable("refused on purpose")


def rows(path: Path) -> list[int]:
    other = sqlite3.connect(path)
    try:
        return [r[0] for r in other.execute("SELECT n FROM t ORDER BY n")]
    finally:
        other.close()


async def test_concurrent_writes_share_commits(db: Db) -> None:
    before = db.commits
    answers = await asyncio.gather(*(db.run(insert, n) for n in range(50)))
    assert answers == list(range(50))
    assert rows(db.path) == list(range(50))
    grouped = db.commits - before
    assert 1 <= grouped < 50  # the first call runs alone; the rest arrive while it commits


async def test_a_failing_call_rolls_back_only_itself(db: Db) -> None:
    calls = [db.run(insert, n) for n in range(10)]
    calls.insert(5, db.run(insert_then_fail, 100))
    calls.append(db.run(insert, 3))  # a constraint violation: fails alone too
    answers = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(answers[5], StoreUnavailable)
    assert isinstance(answers[-1], StoreUnavailable)
    assert "UNIQUE" in str(answers[-1])
    assert [a for a in answers if not isinstance(a, Exception)] == list(range(10))
    assert rows(db.path) == list(range(10))


async def test_an_answer_comes_after_the_commit(db: Db) -> None:
    """Every caller told "done" finds its row from another connection at once."""

    async def one(n: int) -> None:
        await db.run(insert, n)
        assert n in rows(db.path)

    await asyncio.gather(*(one(n) for n in range(20)))


async def test_the_store_accepts_concurrent_messages_in_groups(tmp_path: Path) -> None:
    store = store_from_url(f"sqlite://{tmp_path / 'node.db'}")
    await store.open()
    try:
        messages = [message(document_id=f"000.00.00.H41,2026/11/20,{n}/UBND") for n in range(12)]
        outcomes = await asyncio.gather(*(store.accept([m]) for m in messages))
        assert all(not o.duplicate for o in outcomes)
        again = await asyncio.gather(*(store.accept([m]) for m in messages[:3]))
        assert all(o.duplicate for o in again)
        for m in messages:
            assert await store.message(m.id) is not None
    finally:
        await store.close()
