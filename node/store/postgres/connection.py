"""asyncpg pool, error translation and migrations for the PostgreSQL engine."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from node.errors import StoreUnavailable
from node.store.sqlfiles import load_migrations

DRIVER_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    # a pooled connection the server terminated mid-use can surface as a
    # protocol-state error ("cannot switch to state ...; another operation is
    # in progress"): the store is unavailable (503, retry), not a node bug (500)
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)
_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def describe(dsn: str) -> str:
    """host:port/database of a DSN, without credentials (for error messages)."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    port = parts.port or 5432
    return f"postgresql://{host}:{port}{parts.path}"


def check_schema_name(schema: str) -> str:
    if not _SCHEMA.fullmatch(schema):
        raise StoreUnavailable(
            f"PostgreSQL schema name {schema!r} must be lower-case letters, digits and '_'"
        )
    return schema


@asynccontextmanager
async def translated(where: str) -> AsyncIterator[None]:
    """Driver errors become StoreUnavailable where they enter."""
    try:
        yield
    except DRIVER_ERRORS as exc:
        raise StoreUnavailable(f"PostgreSQL store {where}: {type(exc).__name__}: {exc}") from exc


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection released without asyncpg's reset query (advisory
    unlock all, CLOSE ALL, UNLISTEN *, RESET ALL): a round trip on every
    release, about one in six of a document's round trips in e2e. lienthong
    keeps no session state to reset: its advisory locks are transaction-level,
    and it sets, listens to and declares nothing outside a transaction. asyncpg
    still rolls back a transaction left open (``Connection.reset``)."""

    def get_reset_query(self) -> str:
        return ""


async def create_pool(
    dsn: str, *, schema: str | None, min_size: int, max_size: int, connect_timeout: float
) -> asyncpg.Pool:
    settings = {"search_path": schema} if schema else None
    where = describe(dsn)
    try:
        if schema:
            conn = await asyncpg.connect(dsn, timeout=connect_timeout)
            try:
                exists = await conn.fetchval(
                    "SELECT 1 FROM pg_namespace WHERE nspname = $1", schema
                )
                if not exists:
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            finally:
                await conn.close()
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            timeout=connect_timeout,
            server_settings=settings,
            connection_class=PooledConnection,
        )
    except DRIVER_ERRORS as exc:
        raise StoreUnavailable(f"cannot connect to {where}: {exc}") from exc
    except ValueError as exc:
        raise StoreUnavailable(f"bad PostgreSQL URL {where}: {exc}") from exc
    return pool


async def schema_version(conn: Any) -> int:
    exists = await conn.fetchval(
        "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename = 'schema_migrations'"
    )
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def migrate(conn: Any, lock_sql: str) -> None:
    migrations = load_migrations("postgres")
    async with conn.transaction():
        await conn.execute(lock_sql)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        current = await schema_version(conn)
        if current > len(migrations):
            raise StoreUnavailable(
                f"the database schema is version {current}, newer than this lienthong "
                f"({len(migrations)}); upgrade lienthong"
            )
        for migration in migrations[current:]:
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
