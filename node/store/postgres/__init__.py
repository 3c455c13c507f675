"""The PostgreSQL connector (asyncpg): message bytes as 1 MiB chunk rows
written in the accepting transaction, claims with ``FOR UPDATE SKIP LOCKED``
and leases, so several node processes share one database without a leader
and without a shared filesystem. The named queries' ``:name`` parameters are
turned into ``$1, $2, ...`` once, at load."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from node.errors import StoreUnavailable
from node.ports.driven import StoredBody
from node.store.connector import Body, Tx
from node.store.postgres.connection import (
    check_schema_name,
    create_pool,
    describe,
    migrate,
    schema_version,
    translated,
)
from node.store.records import MessageRecord, NewMessage
from node.store.sqlfiles import load_queries
from node.store.sqlstore import SqlStore

T = TypeVar("T")
CHUNK = 1 << 20
Compiled = tuple[str, tuple[str, ...]]
"""A query in asyncpg's ``$n`` form and the parameter name of each ``$n``."""

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def compile_named(sql: str) -> Compiled:
    """``:name`` parameters to ``$n`` (``::type`` casts stay; comments go)."""
    code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _PARAM.sub(number, code), tuple(names)


class PostgresStore(SqlStore):
    def __init__(self, dsn: str, *, schema: str | None = None, **options: Any) -> None:
        super().__init__(PostgresConnector(dsn, schema=schema, **options))

    def __repr__(self) -> str:
        return f"PostgresStore({self.connector!r})"


class PostgresConnector:
    def __init__(
        self,
        dsn: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout: float = 10.0,
    ) -> None:
        self._dsn = dsn
        self._schema = check_schema_name(schema) if schema else None
        self._min_size = min_size
        self._max_size = max_size
        self._timeout = connect_timeout
        self._pool: asyncpg.Pool | None = None
        self._q = {name: compile_named(sql) for name, sql in load_queries("postgres").items()}
        self._where = describe(dsn) + (f" schema {schema}" if schema else "")

    def __repr__(self) -> str:
        return repr(self._where)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreUnavailable("the PostgreSQL store is not open")
        return self._pool

    @property
    def spool_dir(self) -> Path | None:
        return None

    async def open(self) -> None:
        self._pool = await create_pool(
            self._dsn,
            schema=self._schema,
            min_size=self._min_size,
            max_size=self._max_size,
            connect_timeout=self._timeout,
        )
        try:
            async with translated(self._where), self.pool.acquire() as conn:
                await migrate(conn, self._q["migrate_lock"][0])
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                await pool.close()
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                pool.terminate()

    async def schema_version(self) -> int:
        async with translated(self._where), self.pool.acquire() as conn:
            return await schema_version(conn)

    async def write(self, body: Body[T], /, *args: Any) -> T:
        async with translated(self._where), self.pool.acquire() as conn, conn.transaction():
            return await body(PgTx(conn, self._q), *args)

    async def read(
        self, body: Body[T], /, *args: Any, consistent: bool = False, quick: bool = False
    ) -> T:
        del quick  # a pooled connection answers without a thread hop anyway
        async with translated(self._where), self.pool.acquire() as conn:
            if not consistent:
                return await body(PgTx(conn, self._q), *args)
            async with conn.transaction():
                return await body(PgTx(conn, self._q), *args)

    # ------------------------------------------------------------------ hooks

    async def stage(self, messages: Sequence[NewMessage]) -> None:
        del messages  # the bytes go in the transaction itself (put_blob)

    async def put_blob(self, tx: Tx, message: NewMessage) -> None:
        body = message.body
        if isinstance(body, bytes):
            await tx.execute_many(
                "insert_blob",
                [
                    {"message_id": message.id, "seq": seq, "data": body[start : start + CHUNK]}
                    for seq, start in enumerate(range(0, max(len(body), 1), CHUNK))
                ],
            )
            return
        handle = await asyncio.to_thread(open, body, "rb")
        try:
            seq = 0
            while True:
                chunk: bytes = await asyncio.to_thread(handle.read, CHUNK)
                if not chunk and seq > 0:
                    break
                await tx.execute("insert_blob", message_id=message.id, seq=seq, data=chunk)
                seq += 1
                if not chunk:
                    break
        finally:
            handle.close()

    async def settle(self, messages: Sequence[NewMessage], *, stored: bool) -> None:
        del stored  # a spooled request body is copied into the rows, or not wanted
        for message in messages:
            if isinstance(message.body, Path):
                message.body.unlink(missing_ok=True)

    def body(self, message: MessageRecord) -> StoredBody:
        return PgBody(self.pool, self._q["blob_chunk"][0], message.id, message.size, message.sha256)

    def is_conflict(self, error: BaseException) -> bool:
        return isinstance(error.__cause__, asyncpg.UniqueViolationError)

    async def compact_counters(self) -> None:
        """Fold the counter deltas into one row per name, unless another process is
        at it (its transaction holds the lock; the next scrape or write will do)."""
        async with translated(self._where), self.pool.acquire() as conn, conn.transaction():
            if await conn.fetchval(self._q["counters_compact_lock"][0]):
                await conn.execute(self._q["counters_compact"][0])


class PgTx:
    def __init__(self, conn: Any, queries: Mapping[str, Compiled]) -> None:
        self._conn = conn
        self._q = queries

    def _args(self, query: str, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        sql, names = self._q[query]
        return sql, [params[name] for name in names]

    async def execute(self, query: str, /, **params: Any) -> int:
        sql, args = self._args(query, params)
        if not sql:
            return 0
        status: str = await self._conn.execute(sql, *args)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def execute_many(self, query: str, rows: Sequence[Mapping[str, Any]]) -> None:
        sql, names = self._q[query]
        if sql and rows:
            await self._conn.executemany(sql, [[r[name] for name in names] for r in rows])

    async def fetch(self, query: str, /, **params: Any) -> Sequence[Any]:
        sql, args = self._args(query, params)
        return await self._conn.fetch(sql, *args) if sql else []

    async def fetchone(self, query: str, /, **params: Any) -> Any:
        sql, args = self._args(query, params)
        return await self._conn.fetchrow(sql, *args) if sql else None


class PgBody:
    """:class:`node.ports.driven.StoredBody` over chunk rows, fetched one at a time."""

    def __init__(
        self, pool: asyncpg.Pool, chunk_sql: str, message_id: str, size: int, sha256: str
    ) -> None:
        self._pool = pool
        self._sql = chunk_sql
        self._message_id = message_id
        self.size = size
        self.sha256 = sha256

    async def chunks(self, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
        seq = 0
        while True:
            async with translated(f"reading message {self._message_id}"):
                data = await self._pool.fetchval(self._sql, self._message_id, seq)
            if data is None:
                return
            seq += 1
            for start in range(0, len(data), chunk_size):
                yield bytes(data[start : start + chunk_size])
