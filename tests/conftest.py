"""Fixtures shared by every layer."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.env import missing
from tests.support.pg import postgres_dsn as postgres_url
from tests.support.pg import probe, with_schema

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples"


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


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The PostgreSQL test server (LIENTHONG_TEST_POSTGRES_URL). Skips when it is
    unreachable, except with CI=true where that is a failure."""
    dsn = postgres_url()
    problem = asyncio.run(probe(dsn))
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
    try:
        yield PostgresSchema(with_schema(postgres_dsn, name), postgres_dsn, name)
    finally:
        asyncio.run(_run_sql(postgres_dsn, f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
