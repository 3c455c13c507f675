"""The PostgreSQL test server (LIENTHONG_TEST_POSTGRES_URL) and throw-away schemas
on it, for pytest (tests/conftest.py) and the harness runs of bench/."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator

PG_ENV = "LIENTHONG_TEST_POSTGRES_URL"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_dsn() -> str:
    return os.environ.get(PG_ENV, PG_DEFAULT)


def with_schema(dsn: str, schema: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}schema={schema}"


async def probe(dsn: str) -> str | None:
    """None when the server answers, else why not."""
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


@contextlib.asynccontextmanager
async def schemas(dsn: str, count: int) -> AsyncIterator[list[str]]:
    """``count`` fresh schemas (names), dropped with everything in them afterwards."""
    import asyncpg

    names = [f"lt_rel_{secrets.token_hex(5)}" for _ in range(count)]
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        for name in names:
            await conn.execute(f'CREATE SCHEMA "{name}"')
        yield names
    finally:
        for name in names:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        await conn.close()
