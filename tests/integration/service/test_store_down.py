"""Store down (PostgreSQL refusing the node's connections): submits get 503
problem+json, nothing is half-written, and the node serves again once the
database is back. The node runs as a role of its own so that only its
connections are cut; the role and its schema are dropped afterwards."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.integration.service.real import H41, S41, RealNode, real_node
from tests.support.messages import document

pytestmark = pytest.mark.postgres
XML = {"Content-Type": "application/xml"}


async def _sql(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _as_role(dsn: str, role: str, schema: str) -> str:
    parts = urlsplit(dsn)
    host = parts.hostname or "127.0.0.1"
    netloc = f"{role}@{host}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc, query=f"schema={schema}"))


@pytest.fixture
async def node_role(postgres_dsn: str) -> AsyncIterator[tuple[str, str]]:
    name = f"lt_svc_{secrets.token_hex(5)}"
    await _sql(
        postgres_dsn,
        f'CREATE ROLE "{name}" LOGIN',
        f'CREATE SCHEMA "{name}" AUTHORIZATION "{name}"',
    )
    try:
        yield name, _as_role(postgres_dsn, name, name)
    finally:
        await _sql(
            postgres_dsn,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'",
            f'DROP SCHEMA IF EXISTS "{name}" CASCADE',
            f'DROP ROLE IF EXISTS "{name}"',
        )


async def _submit(node: RealNode, data: bytes) -> tuple[int, dict[str, object]]:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=data, headers={**node.dms(H41), **XML}
    ) as resp:
        return resp.status, await resp.json()


async def _count(dsn: str, schema: str) -> int:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        return int(await conn.fetchval(f'SELECT count(*) FROM "{schema}".messages'))
    finally:
        await conn.close()


async def test_store_down_is_503_and_nothing_half_written(
    tmp_path: Path, postgres_dsn: str, node_role: tuple[str, str]
) -> None:
    role, url = node_role
    async with real_node(tmp_path / "node", storage_url=url) as node:
        first, _ = document(H41, (S41,))
        assert (await _submit(node, first))[0] == 202
        before = await _count(postgres_dsn, role)

        await _sql(
            postgres_dsn,
            f'ALTER ROLE "{role}" NOLOGIN',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'",
        )
        second, _ = document(H41, (S41,))
        status, problem = await _submit(node, second)
        assert status == 503, problem
        assert problem["type"] == "https://lienthong.dev/problems/store-unavailable"
        async with node.http.get(f"{node.url}/readyz") as resp:
            assert resp.status == 503

        await _sql(postgres_dsn, f'ALTER ROLE "{role}" LOGIN')
        assert await _count(postgres_dsn, role) == before
        spool = node.service.config.spool_dir
        assert spool.is_dir()
        assert list(spool.iterdir()) == []
        status, _ = await _submit(node, second)
        assert status == 202
        assert await _count(postgres_dsn, role) > before
