"""The SQLite connector (the default engine): WAL, ``synchronous=FULL``, every
sqlite3 call on one dedicated thread per connection (a writer that commits in
groups, and a ``query_only`` reader), message bytes as fsynced files beside the
database (see :mod:`node.store.sqlite.blobs`), except small ones
(:data:`INLINE_BYTES`), which are rows of the transaction that stores their
message. ``sqlite://:memory:`` is a
database and blobs in this process only, for unit tests: one connection (the
writer reads too), no files.

A transaction body runs whole on the database thread: its :class:`SqliteTx`
answers each query at once, so the body's coroutine completes in one step and
a transaction costs one thread hop, however many queries it runs. A quick
read (a point query by key, a small body) costs none: it runs on the event
loop's own ``query_only`` connection, which never waits for a lock (WAL
readers rarely need one; when one would, the read goes to the reader's
thread instead)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from node.errors import StoreUnavailable
from node.ports.driven import StoredBody
from node.store.connector import Body
from node.store.records import MessageRecord, NewMessage
from node.store.rows import iso
from node.store.sqlite.blobs import FileBlobs, FileBody, MemoryBlobs
from node.store.sqlite.connection import MEMORY, Db, connect, schema_version, transaction
from node.store.sqlstore import SqlStore

T = TypeVar("T")

INLINE_BYTES = 64 * 1024
"""Bodies of at most this many bytes are stored in the database, in the
transaction of their message (most documents and every status message): the
group commit's one WAL fsync makes them durable too. A blob file costs a file
created, written and fsynced, its directory fsynced, and a rename, per message
(about 10 % of a node's CPU per 20 KB document). Bigger bodies stay files, so
that the database does not grow by attachments and is never read whole."""


def _inline(message: NewMessage) -> bool:
    return message.size <= INLINE_BYTES


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
        self._quick: sqlite3.Connection | None = None
        """The event loop's own reader (quick reads), made and used on one thread."""
        self._quick_thread = 0

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
            if self._read is not self.writer:
                try:  # a file open, once: on the loop that will use it
                    self._quick = connect(self.path, busy_timeout=0.0, reader=True)
                except sqlite3.Error as exc:
                    raise StoreUnavailable(f"SQLite store {self.path}: {exc}") from exc
                self._quick_thread = threading.get_ident()
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
        if self._quick is not None:
            quick, self._quick = self._quick, None
            quick.close()
        await self._read.close()
        await self.writer.close()
        self._blobs.close()

    async def schema_version(self) -> int:
        return await self.writer.run(schema_version)

    async def write(self, body: Body[T], /, *args: Any) -> T:
        return await self.writer.run(self._run, body, args, "write")

    async def read(
        self, body: Body[T], /, *args: Any, consistent: bool = False, quick: bool = False
    ) -> T:
        if quick and not consistent:
            return await self._quickly(self._run, body, args, None)
        return await self._read.run(self._run, body, args, "read" if consistent else None)

    async def _quickly(self, fn: Callable[..., T], /, *args: Any) -> T:
        """``fn(conn, *args)`` on the loop's reader, with no thread hop (a point
        read costs less than the hop would); on the reader's thread when it would
        wait for a lock, or when called from another thread than the one that
        opened the store."""
        quick = self._quick
        if quick is not None and threading.get_ident() == self._quick_thread:
            try:
                return fn(quick, *args)
            except sqlite3.OperationalError as exc:
                code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
                if code not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    raise StoreUnavailable(f"SQLite store {self.path}: {exc}") from exc
            except (sqlite3.Error, OSError) as exc:
                raise StoreUnavailable(f"SQLite store {self.path}: {exc}") from exc
        return await self._read.run(fn, *args)

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
        """Big bodies become blob files (small ones go in the transaction: put_blob)."""
        files = [m for m in messages if not _inline(m)]
        if not files:
            return
        try:
            await asyncio.to_thread(self._blobs.stage, [(m.id, m.body) for m in files])
        except OSError as exc:
            await asyncio.to_thread(self._blobs.discard, [m.id for m in files])
            for message in messages:
                if isinstance(message.body, Path):
                    message.body.unlink(missing_ok=True)
            raise StoreUnavailable(
                f"cannot write message bytes under {self._blobs.root}: {exc}"
            ) from exc

    async def put_blob(self, tx: Any, message: NewMessage) -> None:
        """On the database thread, in the message's transaction: a small body's row."""
        if not _inline(message):
            return  # a blob file already (stage)
        body = message.body
        if isinstance(body, Path):
            try:
                data = body.read_bytes()  # a spooled request body: small, in the page cache
            except OSError as exc:
                raise StoreUnavailable(f"cannot read the spooled message body: {exc}") from exc
        else:
            data = body
        await tx.execute("insert_inline_body", message_id=message.id, data=data)

    async def settle(self, messages: Sequence[NewMessage], *, stored: bool) -> None:
        files = [m.id for m in messages if not _inline(m)]
        for message in messages:
            if _inline(message) and isinstance(message.body, Path):
                # stored or not, the store owns the spooled file and is done with it
                # (as PostgreSQL's settle: an unlink does not wait for the disk)
                message.body.unlink(missing_ok=True)
        if not files:
            return
        if stored:
            await asyncio.to_thread(self._publish, files)
        else:
            await asyncio.to_thread(self._blobs.discard, files)

    def _publish(self, ids: Sequence[str]) -> None:
        for message_id in ids:
            self._blobs.publish(message_id)

    def body(self, message: MessageRecord) -> StoredBody:
        if message.size <= INLINE_BYTES:
            return InlineBody(self, message)
        return FileBody(self._blobs, message.id, message.size, message.sha256)

    def _inline_body(self, conn: sqlite3.Connection, message_id: str) -> bytes:
        """On the reader's thread: the small body's row, or, for a message stored
        before bodies were inlined (or by :func:`bench.lib.seed`), its blob file."""
        row = conn.execute(self._q["inline_body"], {"message_id": message_id}).fetchone()
        if row is not None:
            return bytes(row["data"])
        with self._blobs.open_blob(message_id) as handle:
            return handle.read()

    def is_conflict(self, error: BaseException) -> bool:
        return isinstance(error.__cause__, sqlite3.IntegrityError)

    async def compact_counters(self) -> None:
        """Nothing to do: SQLite's counters are one row per name (triggers)."""


class InlineBody:
    """:class:`node.ports.driven.StoredBody` of a small message: its row (one read)."""

    def __init__(self, connector: SqliteConnector, message: MessageRecord) -> None:
        self._connector = connector
        self._message_id = message.id
        self.size = message.size
        self.sha256 = message.sha256

    async def chunks(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        c = self._connector  # OSError and sqlite3 errors come as StoreUnavailable
        data = await c._quickly(c._inline_body, self._message_id)
        for start in range(0, len(data), chunk_size):
            yield data[start : start + chunk_size]


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
