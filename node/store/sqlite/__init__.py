"""The SQLite connector (the default engine): WAL, ``synchronous=FULL``, every
sqlite3 call on one dedicated thread per connection (a writer that commits in
groups, and a ``query_only`` reader), message bytes as fsynced files beside the
database (see :mod:`node.store.sqlite.blobs`). ``sqlite://:memory:`` is a
database and blobs in this process only, for unit tests: one connection (the
writer reads too), no files.

A transaction body runs whole on the database thread: its :class:`SqliteTx`
answers each query at once, so the body's coroutine completes in one step and
a transaction costs one thread hop, however many queries it runs."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Coroutine, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from node.errors import StoreUnavailable
from node.ports.driven import StoredBody
from node.store.connector import Body
from node.store.records import MessageRecord, NewMessage
from node.store.rows import iso
from node.store.sqlite.blobs import FileBlobs, FileBody, MemoryBlobs
from node.store.sqlite.connection import MEMORY, Db, schema_version, transaction
from node.store.sqlstore import SqlStore

T = TypeVar("T")


class SqliteStore(SqlStore):
    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        super().__init__(SqliteConnector(path, busy_timeout=busy_timeout))
        self.path = path

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"


class SqliteConnector:
    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.writer = Db(path, busy_timeout=busy_timeout)
        self._blobs: FileBlobs | MemoryBlobs
        if str(path) == MEMORY:  # one connection: a second would be another database
            self._read = self.writer
            self._blobs = MemoryBlobs()
        else:
            self._read = Db(path, busy_timeout=busy_timeout, reader=True)
            self._blobs = FileBlobs(path.parent / "blobs")
        self._q = self.writer.q

    def __repr__(self) -> str:
        return f"SqliteConnector({str(self.path)!r})"

    @property
    def spool_dir(self) -> Path | None:
        return self._blobs.spool

    async def open(self) -> None:
        await self.writer.open()  # migrates: before the reader opens
        try:
            if self._read is not self.writer:
                await self._read.open()
            await self.writer.run(self._open_blobs)
        except BaseException:
            await self._read.close()
            await self.writer.close()
            raise

    def _open_blobs(self, conn: sqlite3.Connection) -> None:
        def rows_exist(ids: list[str]) -> set[str]:
            found = conn.execute(self._q["blob_ids_with_rows"], {"ids": json.dumps(ids)})
            return {r["id"] for r in found}

        self._blobs.open(rows_exist)

    async def close(self) -> None:
        await self._read.close()
        await self.writer.close()
        self._blobs.close()

    async def schema_version(self) -> int:
        return await self.writer.run(schema_version)

    async def write(self, body: Body[T], /, *args: Any) -> T:
        return await self.writer.run(self._run, body, args, "write")

    async def read(self, body: Body[T], /, *args: Any, consistent: bool = False) -> T:
        return await self._read.run(self._run, body, args, "read" if consistent else None)

    def _run(
        self, conn: sqlite3.Connection, body: Body[T], args: tuple[Any, ...], tx: str | None
    ) -> T:
        """On the database thread: the whole body, in a transaction unless ``tx``
        is None (``write``: BEGIN IMMEDIATE, a savepoint inside a group commit;
        ``read``: one snapshot)."""
        if tx is None:
            return run_now(body(SqliteTx(conn, self._q), *args))
        with transaction(conn, write=tx == "write"):
            return run_now(body(SqliteTx(conn, self._q), *args))

    # ------------------------------------------------------------------ hooks

    async def stage(self, messages: Sequence[NewMessage]) -> None:
        if not messages:
            return
        try:
            await asyncio.to_thread(self._blobs.stage, [(m.id, m.body) for m in messages])
        except OSError as exc:
            await asyncio.to_thread(self._blobs.discard, [m.id for m in messages])
            for message in messages:
                if isinstance(message.body, Path):
                    message.body.unlink(missing_ok=True)
            raise StoreUnavailable(
                f"cannot write message bytes under {self._blobs.root}: {exc}"
            ) from exc

    async def put_blob(self, tx: Any, message: NewMessage) -> None:
        del tx, message  # the bytes are in blob files already (stage)

    async def settle(self, messages: Sequence[NewMessage], *, stored: bool) -> None:
        if not messages:
            return
        ids = [m.id for m in messages]
        if stored:
            await asyncio.to_thread(self._publish, ids)
        else:
            await asyncio.to_thread(self._blobs.discard, ids)

    def _publish(self, ids: Sequence[str]) -> None:
        for message_id in ids:
            self._blobs.publish(message_id)

    def body(self, message: MessageRecord) -> StoredBody:
        return FileBody(self._blobs, message.id, message.size, message.sha256)

    def is_conflict(self, error: BaseException) -> bool:
        return isinstance(error.__cause__, sqlite3.IntegrityError)

    async def compact_counters(self) -> None:
        """Nothing to do: SQLite's counters are one row per name (triggers)."""


class SqliteTx:
    """Named queries on the database thread; each call answers at once."""

    def __init__(self, conn: sqlite3.Connection, queries: Mapping[str, str]) -> None:
        self._conn = conn
        self._q = queries

    async def execute(self, query: str, /, **params: Any) -> int:
        sql = self._q[query]
        return self._conn.execute(sql, _adapt(params)).rowcount if sql else 0

    async def execute_many(self, query: str, rows: Sequence[Mapping[str, Any]]) -> None:
        sql = self._q[query]
        if sql:
            self._conn.executemany(sql, [_adapt(r) for r in rows])

    async def fetch(self, query: str, /, **params: Any) -> Sequence[sqlite3.Row]:
        sql = self._q[query]
        return self._conn.execute(sql, _adapt(params)).fetchall() if sql else []

    async def fetchone(self, query: str, /, **params: Any) -> sqlite3.Row | None:
        sql = self._q[query]
        row: sqlite3.Row | None = (
            self._conn.execute(sql, _adapt(params)).fetchone() if sql else None
        )
        return row


def run_now(body: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (a SQLite transaction body) to its end."""
    try:
        body.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    body.close()
    raise RuntimeError("a SQLite transaction body awaited something that is not a query")


def _adapt(params: Mapping[str, Any]) -> dict[str, Any]:
    """Python values as SQLite keeps them: ISO text, JSON arrays."""
    return {name: _value(value) for name, value in params.items()}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return json.dumps(list(value))
    return value
