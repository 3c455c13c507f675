"""The PostgreSQL pool releases connections without asyncpg's reset query (a
round trip per release), and what the reset was for still holds: a
transaction left open is rolled back, and the schema stays the node's."""

from __future__ import annotations

from node.store.postgres.connection import PooledConnection, create_pool
from tests.conftest import PostgresSchema


async def test_a_release_sends_no_reset_query_and_still_ends_an_open_transaction(
    postgres_schema: PostgresSchema,
) -> None:
    pool = await create_pool(
        postgres_schema.dsn,
        schema=postgres_schema.name,
        min_size=1,
        max_size=1,
        connect_timeout=10,
    )
    try:
        async with pool.acquire() as conn:
            assert isinstance(conn._con, PooledConnection)  # the proxy's connection
            assert conn.get_reset_query() == ""
            backend = await conn.fetchval("SELECT pg_backend_pid()")
            await conn.execute("CREATE TABLE t (x int)")
            tx = conn.transaction()
            await tx.start()
            await conn.execute("INSERT INTO t VALUES (1)")  # left open on release
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == backend  # same one
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT count(*) FROM t") == 0  # rolled back
            assert await conn.fetchval("SELECT current_schema()") == postgres_schema.name
    finally:
        await pool.close()
