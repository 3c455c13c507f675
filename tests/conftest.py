"""Fixtures shared by every layer."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.env import missing

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples"

POSTGRES_URL_ENV = "LIENTHONG_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def sample_document() -> bytes:
    return (SAMPLES / "document.edxml").read_bytes()


@pytest.fixture
def sample_status() -> bytes:
    return (SAMPLES / "status.edxml").read_bytes()


# --------------------------------------------------------------------------- PostgreSQL


@dataclass(frozen=True)
class PostgresSchema:
    """A fresh schema on the test server, dropped after the test.

    ``url`` is a lienthong ``storage.url`` (``...?schema=<name>``); ``dsn`` is
    the bare server URL for asyncpg; ``name`` is the schema."""

    url: str
    dsn: str
    name: str


async def _probe(dsn: str) -> str | None:
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn, timeout=3)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The PostgreSQL test server (LIENTHONG_TEST_POSTGRES_URL). Skips when it is
    unreachable, except with CI=true where that is a failure."""
    dsn = os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)
    problem = asyncio.run(_probe(dsn))
    if problem is not None:
        parts = urlsplit(dsn)
        message = f"PostgreSQL at {parts.hostname}:{parts.port or 5432} unreachable: {problem}"
        missing(message)
    return dsn


async def _run_sql(dsn: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
def postgres_schema(postgres_dsn: str) -> Iterator[PostgresSchema]:
    """A schema of its own for one test, created now and dropped (CASCADE) afterwards."""
    name = f"lt_test_{secrets.token_hex(6)}"
    asyncio.run(_run_sql(postgres_dsn, f'CREATE SCHEMA "{name}"'))
    separator = "&" if "?" in postgres_dsn else "?"
    try:
        yield PostgresSchema(f"{postgres_dsn}{separator}schema={name}", postgres_dsn, name)
    finally:
        asyncio.run(_run_sql(postgres_dsn, f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
