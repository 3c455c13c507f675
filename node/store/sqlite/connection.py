"""One sqlite3 connection on a dedicated thread: the event loop never waits on
SQLite, and every call is translated into :class:`StoreUnavailable` on failure.
The store opens two: the writer, and a reader so that reads (WAL: they see
every committed write) do not queue behind the writer's fsyncs.

The writer commits in groups: the calls that arrive while a commit is being
made wait for it to end and then run together, each in a savepoint of one
transaction, with one COMMIT (one WAL fsync) for all of them. Nobody hears
back before that COMMIT has returned, so an answer still means on disk; a call
that fails rolls back its own savepoint only.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from node.errors import LienthongError, StoreUnavailable
from node.store.sqlfiles import load_migrations, load_queries

T = TypeVar("T")

MEMORY = ":memory:"
"""The path of a database that lives in this process only (unit tests)."""

_Call = tuple[Callable[[], Any], "asyncio.Future[Any]", asyncio.AbstractEventLoop]


class Db:
    """The connection, its thread and the named queries."""

    def __init__(self, path: Path, *, busy_timeout: float, reader: bool = False) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._reader = reader
        """A reader runs no migrations and may not write (``query_only``)."""
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self.q = load_queries("sqlite")
        self._group = not reader
        """Group commit: only the writer commits."""
        self._lock = threading.Lock()
        self._pending: list[_Call] = []
        self._draining = False
        self.commits = 0
        """COMMITs of grouped calls so far (tests read it)."""

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreUnavailable("the SQLite store is not open")
        return self._conn

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run ``fn(conn, *args)`` on the database thread."""
        if self._executor is None:
            raise StoreUnavailable("the SQLite store is not open")
        loop = asyncio.get_running_loop()
        call = partial(self._call, fn, *args, **kwargs)
        if not self._group:
            return await loop.run_in_executor(self._executor, call)
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._pending.append((call, future, loop))
            start = not self._draining
            self._draining = True
        if start:  # after this step of the loop: the calls it makes share one wake-up
            loop.call_soon(self._start_drain)
        return await future

    def _start_drain(self) -> None:
        """Wake the database thread (a thread hand-off: once per group, not per call)."""
        try:
            if self._executor is None:
                raise StoreUnavailable("the SQLite store is not open")
            self._executor.submit(self._drain)
        except (RuntimeError, StoreUnavailable):  # closed meanwhile: answer, never hang
            with self._lock:
                batch, self._pending = self._pending, []
                self._draining = False
            _settle_all(
                [(c, None, StoreUnavailable(f"SQLite store {self.path} is closed")) for c in batch]
            )

    def _drain(self) -> None:
        """On the database thread: run everything queued, grouped, until the queue is empty."""
        while True:
            with self._lock:
                batch, self._pending = self._pending, []
                if not batch:
                    self._draining = False
                    return
            try:
                if len(batch) == 1:
                    _settle_all([(batch[0], *_outcome(batch[0][0]))])
                else:
                    self._run_group(batch)
            except BaseException as exc:  # never leave a caller waiting, nor the queue stuck
                failure = StoreUnavailable(f"SQLite store {self.path}: {type(exc).__name__}")
                with self._lock:
                    rest, self._pending = self._pending, []
                    self._draining = False
                _settle_all([(c, None, failure) for c in batch + rest])
                raise

    def _run_group(self, batch: list[_Call]) -> None:
        """One transaction, a savepoint per call, one COMMIT. If SQLite drops the
        whole transaction (some I/O errors do), the calls that had succeeded in
        it are answered ``StoreUnavailable`` (nothing of theirs was committed)."""
        done: list[tuple[_Call, Any, BaseException | None]] = []
        open_tx: list[tuple[_Call, Any]] = []
        try:
            conn = self.conn
            for item in batch:
                if not conn.in_transaction:
                    conn.execute("BEGIN IMMEDIATE")
                conn.execute("SAVEPOINT grouped")
                result, error = _outcome(item[0])
                if not conn.in_transaction:  # the failure took the transaction with it
                    lost = StoreUnavailable(f"SQLite store {self.path}: transaction rolled back")
                    done += [(c, None, lost) for c, _ in open_tx]
                    open_tx = []
                    done.append((item, None, error or lost))
                    continue
                if error is None:
                    conn.execute("RELEASE grouped")
                    open_tx.append((item, result))
                else:
                    conn.execute("ROLLBACK TO grouped")
                    conn.execute("RELEASE grouped")
                    done.append((item, None, error))
            if conn.in_transaction:
                conn.execute("COMMIT")
                self.commits += 1
            done += [(c, r, None) for c, r in open_tx]
        except Exception as exc:  # noqa: BLE001 - answered to every waiting caller
            failure = (
                exc
                if isinstance(exc, LienthongError)
                else StoreUnavailable(f"SQLite store {self.path}: {exc}")
            )
            if self._conn is not None and self._conn.in_transaction:
                with suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
            answered = {id(c) for c, _, _ in done}
            done += [(c, None, failure) for c in batch if id(c) not in answered]
            for index, (c, _, error) in enumerate(done):
                if error is None:
                    done[index] = (c, None, failure)
        _settle_all(done)

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(self.conn, *args, **kwargs)
        except LienthongError:
            raise
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(f"SQLite store {self.path}: {exc}") from exc

    async def open(self) -> None:
        name = "lienthong-sqlite-read" if self._reader else "lienthong-sqlite"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        try:
            await self.run_unopened(self._connect)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    async def run_unopened(self, fn: Callable[[], T]) -> T:
        assert self._executor is not None
        loop = asyncio.get_running_loop()

        def call() -> T:
            try:
                return fn()
            except LienthongError:
                raise
            except (sqlite3.Error, OSError) as exc:
                raise StoreUnavailable(f"SQLite store {self.path}: {exc}") from exc

        return await loop.run_in_executor(self._executor, call)

    def _connect(self) -> None:
        memory = str(self.path) == MEMORY
        if not memory:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path, busy_timeout=self._busy_timeout, reader=self._reader)
        if not self._reader:
            try:
                _migrate(conn)
            except BaseException:
                conn.close()
                raise
        self._conn = conn

    async def close(self) -> None:
        if self._executor is None:
            return
        if self._conn is not None:
            await self.run_unopened(self._conn.close)
            self._conn = None
        self._executor.shutdown(wait=True)
        self._executor = None


def connect(path: Path, *, busy_timeout: float, reader: bool) -> sqlite3.Connection:
    """A connection in WAL mode, ``synchronous=FULL``; a reader is ``query_only``.
    It may be used only by the thread that made it."""
    memory = str(path) == MEMORY
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=True)
    try:
        conn.row_factory = sqlite3.Row
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != ("memory" if memory else "wal"):
            raise StoreUnavailable(f"SQLite store {path}: cannot switch to WAL mode")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.create_function("lienthong_sha256", 1, _sha256_hex, deterministic=True)
        if reader:
            conn.execute("PRAGMA query_only=ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _sha256_hex(text: str) -> str:
    """SQL ``lienthong_sha256(text)``: the hex SHA-256 of its UTF-8 (the audit
    chain's hash, made in ``audit_append`` as PostgreSQL's ``sha256`` makes it)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _outcome(call: Callable[[], Any]) -> tuple[Any, BaseException | None]:
    try:
        return call(), None
    except Exception as exc:  # noqa: BLE001 - handed to the caller's future
        return None, exc


def _settle_all(done: list[tuple[_Call, Any, BaseException | None]]) -> None:
    """Answer the callers: one ``call_soon_threadsafe`` per event loop (each one
    wakes the loop with a write to its self-pipe), not one per call."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, Any]]] = {}
    for (_, future, loop), result, error in done:
        by_loop.setdefault(loop, []).append((future, result, error))
    for loop, answers in by_loop.items():
        with suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
            loop.call_soon_threadsafe(_answer, answers)


def _answer(answers: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    for future, result, error in answers:
        if future.done():  # cancelled, or already answered
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


@contextmanager
def transaction(conn: sqlite3.Connection, *, write: bool = True) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE for writes (takes the write lock up front, so a busy
    database waits instead of failing half-way), plain BEGIN for consistent reads.
    Inside a grouped commit (a transaction is already open) it is a savepoint."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT tx")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO tx")
            conn.execute("RELEASE tx")
            raise
        conn.execute("RELEASE tx")
        return
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if row is None:
        return 0
    value = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
    return int(value or 0)


def _migrate(conn: sqlite3.Connection) -> None:
    migrations = load_migrations("sqlite")
    with transaction(conn):
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        current = schema_version(conn)
        if current > len(migrations):
            raise StoreUnavailable(
                f"the database schema is version {current}, newer than this lienthong "
                f"({len(migrations)}); upgrade lienthong"
            )
        for migration in migrations[current:]:
            for statement in _statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (migration.version, migration.name),
            )


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (our migrations hold no
    semicolons inside literals or triggers; sqlite3.complete_statement checks)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")
    return statements
