"""docs/operations.md's backups work. SQLite, node running: the database copied
online first (sqlite3 .backup, or Python's backup API), the blobs after it; the
restored node reads back every message the copy holds, byte for byte, and a
message accepted between the two copies is simply absent. PostgreSQL: one
pg_dump holds the messages and their bytes; pg_restore brings them back."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path

import asyncpg
import pytest

from node.store import store_from_url
from tests.conftest import PostgresSchema
from tests.integration.store.conftest import message, read_all


def _tool(*args: str) -> None:
    subprocess.run(list(args), check=True, timeout=120, capture_output=True)


def _sqlite3_tool(source: Path, target: Path) -> None:
    _tool("sqlite3", str(source), f".backup '{target}'")


def _python_api(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest.mark.parametrize("copy_database", [_sqlite3_tool, _python_api], ids=["sqlite3", "python"])
async def test_backup_database_then_blobs_restores_every_message(
    tmp_path: Path, copy_database: object
) -> None:
    if copy_database is _sqlite3_tool and shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 tool is not installed")
    live, backup, restored = tmp_path / "live", tmp_path / "backup", tmp_path / "restored"
    backup.mkdir()
    store = store_from_url(f"sqlite://{live}/node.db")
    await store.open()
    try:
        before = [message(body=f"<edXML>{n}</edXML>".encode() * 1000) for n in range(3)]
        await store.accept(before)
        await asyncio.to_thread(copy_database, live / "node.db", backup / "node.db")  # type: ignore[arg-type]
        between = message(body=b"<edXML>after the database copy</edXML>")
        await store.accept([between])
        shutil.copytree(live / "blobs", backup / "blobs")
    finally:
        await store.close()

    restored.mkdir()
    shutil.copy(backup / "node.db", restored / "node.db")
    shutil.copytree(backup / "blobs", restored / "blobs")
    again = store_from_url(f"sqlite://{restored}/node.db")
    await again.open()
    try:
        for m in before:
            assert await read_all(again, m.id) == m.body
        assert await again.message(between.id) is None
    finally:
        await again.close()
    check = sqlite3.connect(restored / "node.db")
    try:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        check.close()


@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="pg_dump/pg_restore are not installed",
)
async def test_pg_dump_holds_messages_and_their_bytes(
    postgres_schema: PostgresSchema, tmp_path: Path
) -> None:
    store = store_from_url(postgres_schema.url)
    await store.open()
    try:
        kept = [message(body=f"<edXML>{n}</edXML>".encode() * 1000) for n in range(3)]
        await store.accept(kept)
        dump = tmp_path / "lienthong.dump"
        await asyncio.to_thread(
            _tool,
            "pg_dump",
            "-Fc",
            "-n",
            postgres_schema.name,
            "-f",
            str(dump),
            postgres_schema.dsn,
        )
    finally:
        await store.close()
    conn = await asyncpg.connect(postgres_schema.dsn)
    try:
        await conn.execute(f'DROP SCHEMA "{postgres_schema.name}" CASCADE')
    finally:
        await conn.close()
    await asyncio.to_thread(_tool, "pg_restore", "-d", postgres_schema.dsn, "--no-owner", str(dump))
    again = store_from_url(postgres_schema.url)
    await again.open()
    try:
        for m in kept:
            assert await read_all(again, m.id) == m.body
    finally:
        await again.close()
