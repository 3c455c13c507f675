"""Throwaway PostgreSQL schemas for benchmark nodes (dropped afterwards)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import AsyncIterator

PG_ENV = "LIENTHONG_TEST_POSTGRES_URL"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def dsn() -> str:
    return os.environ.get(PG_ENV, PG_DEFAULT)


async def reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn(), timeout=5)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


@contextlib.asynccontextmanager
async def schemas(count: int) -> AsyncIterator[list[str]]:
    """``count`` fresh schema names (created by the nodes on start), dropped at the end."""
    import asyncpg

    names = [f"lt_bench_{secrets.token_hex(5)}" for _ in range(count)]
    try:
        yield names
    finally:
        conn = await asyncpg.connect(dsn(), timeout=10)
        try:
            for name in names:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await conn.close()


def url(schema: str) -> str:
    return f"{dsn()}?schema={schema}"
