"""SQLite answers point reads on the event loop's own connection (no thread
hop), and on the reader's thread when that connection would have to wait."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from node.store import Store
from node.store.sqlite import SqliteConnector
from tests.integration.store.conftest import Target, message, read_all


def _connector(store: Store, target: Target) -> SqliteConnector:
    target.door()
    connector = getattr(store, "_c", None)
    if not isinstance(connector, SqliteConnector):
        pytest.skip("only SQLite keeps a reader on the event loop")
    return connector


class _Counted:
    """The reader's ``run``, counting the calls that hop to its thread."""

    def __init__(self, connector: SqliteConnector) -> None:
        self.hops = 0
        self._run = connector._read.run

    async def __call__(self, *args: Any) -> Any:
        self.hops += 1
        return await self._run(*args)


async def test_point_reads_and_small_bodies_need_no_thread_hop(
    store: Store, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = _connector(store, target)
    m = message(keys=("doc|D|A|B",), inbox=(("000.00.12.H41", "dms-b"),))
    await store.accept([m])
    counted = _Counted(connector)
    monkeypatch.setattr(connector._read, "run", counted)

    assert (await store.message(m.id)) is not None
    assert set(await store.find_keys(["doc|D|A|B"])) == {"doc|D|A|B"}
    assert await store.in_inbox_of(m.id, ["000.00.12.H41"])
    assert [r.id for r in await store.documents(m.document_id)] == [m.id]
    assert await read_all(store, m.id) == m.body
    assert counted.hops == 0

    await store.trace(m.id)  # a consistent read: one snapshot, on the reader's thread
    assert counted.hops == 1


class _Busy:
    """A connection that would have to wait for a lock."""

    def execute(self, *args: object) -> None:
        error = sqlite3.OperationalError("database is locked")
        error.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
        raise error


class _Broken:
    def execute(self, *args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")


async def test_a_quick_read_that_would_wait_goes_to_the_reader_thread(
    store: Store, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = _connector(store, target)
    m = message()
    await store.accept([m])
    counted = _Counted(connector)
    monkeypatch.setattr(connector._read, "run", counted)
    monkeypatch.setattr(connector, "_quick", _Busy())

    record = await store.message(m.id)

    assert record is not None
    assert record.id == m.id
    assert await read_all(store, m.id) == m.body
    assert counted.hops == 3  # message, and body: its record, then its row


async def test_a_failing_quick_read_is_a_store_error_not_a_crash(
    store: Store, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    from node.errors import StoreUnavailable

    connector = _connector(store, target)
    monkeypatch.setattr(connector, "_quick", _Broken())

    with pytest.raises(StoreUnavailable, match="disk I/O error"):
        await store.message("nope")
