"""The store contract suite runs every test against SQLite, PostgreSQL and the
in-memory SQLite of unit tests (which has no back door and no second process:
tests that need either skip there)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.model import MessageKind
from node.ports.driven import Destination, DestinationKind, Direction, Hop
from node.store import Store, store_from_url
from node.store.records import (
    NewDelivery,
    NewInboxEntry,
    NewMessage,
    NewStatusEntry,
    Source,
    new_id,
)
from tests.conftest import PostgresSchema

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    """Where a store under test lives, and a back door to its tables."""

    engine: str
    url: str
    sqlite_path: Path | None = None
    pg: PostgresSchema | None = None

    @property
    def dialect(self) -> str:
        """Whose named queries and migrations the store runs."""
        return "postgres" if self.engine == "postgres" else "sqlite"

    def door(self) -> None:
        if self.engine == "memory":
            pytest.skip("an in-memory store has no back door and no second process")

    async def execute(self, sql: str) -> None:
        self.door()
        if self.sqlite_path is not None:
            conn = sqlite3.connect(self.sqlite_path)
            try:
                conn.execute(sql)
                conn.commit()
            finally:
                conn.close()
            return
        import asyncpg

        assert self.pg is not None
        conn2 = await asyncpg.connect(self.pg.dsn, server_settings={"search_path": self.pg.name})
        try:
            await conn2.execute(sql)
        finally:
            await conn2.close()

    async def fetchval(self, sql: str) -> Any:
        self.door()
        if self.sqlite_path is not None:
            conn = sqlite3.connect(self.sqlite_path)
            try:
                return conn.execute(sql).fetchone()[0]
            finally:
                conn.close()
        import asyncpg

        assert self.pg is not None
        conn2 = await asyncpg.connect(self.pg.dsn, server_settings={"search_path": self.pg.name})
        try:
            return await conn2.fetchval(sql)
        finally:
            await conn2.close()


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "memory":
        return Target("memory", "sqlite://:memory:")
    if request.param == "sqlite":
        path = tmp_path / "db" / "node.db"
        return Target("sqlite", f"sqlite://{path}", sqlite_path=path)
    pg: PostgresSchema = request.getfixturevalue("postgres_schema")
    return Target("postgres", pg.url, pg=pg)


@pytest.fixture
async def store(target: Target) -> AsyncIterator[Store]:
    s = store_from_url(target.url)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def open_store(target: Target) -> AsyncIterator[Callable[[], Awaitable[Store]]]:
    """Opens another store instance on the same database (as another process would)."""
    target.door()
    opened: list[Store] = []

    async def make() -> Store:
        s = store_from_url(target.url)
        await s.open()
        opened.append(s)
        return s

    yield make
    for s in opened:
        await s.close()


def message(
    *,
    document_id: str = "000.00.00.H41,2026/11/20,1/UBND",
    sender: str = "000.00.00.H41",
    recipients: tuple[str, ...] = ("000.00.12.H41",),
    body: bytes | Path = b"<edXML>document</edXML>",
    kind: MessageKind = MessageKind.DOCUMENT,
    peers: tuple[tuple[str, tuple[str, ...]], ...] = (),
    inbox: tuple[tuple[str, str], ...] = (),
    statuses: tuple[NewStatusEntry, ...] = (),
    keys: tuple[str, ...] | None = None,
    priority: int = 0,
    received_at: datetime = T0,
    tracked: tuple[str, ...] = (),
    inbox_removals: tuple[tuple[str, str], ...] = (),
    status_code: str | None = None,
    message_id: str | None = None,
) -> NewMessage:
    mid = message_id or new_id()
    data = body.read_bytes() if isinstance(body, Path) else body
    return NewMessage(
        id=mid,
        origin_id=mid,
        kind=kind,
        document_id=document_id,
        sender=sender,
        recipients=recipients,
        source=Source.DMS,
        source_name="dms-a",
        received_at=received_at,
        body=body,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        priority=priority,
        status_code=status_code,
        hops=(Hop("000.00.00.H41", received_at, Direction.IN),),
        deliveries=tuple(
            NewDelivery(new_id(), Destination(DestinationKind.PEER, peer), organs)
            for peer, organs in peers
        ),
        inbox=tuple(NewInboxEntry(organ, client) for organ, client in inbox),
        statuses=statuses,
        keys=keys if keys is not None else (f"test|{mid}",),
        tracked=tracked,
        inbox_removals=inbox_removals,
    )


async def read_all(store: Store, message_id: str, chunk_size: int = 1 << 16) -> bytes:
    body = await store.body(message_id)
    return b"".join([chunk async for chunk in body.chunks(chunk_size)])


LEASE = timedelta(seconds=60)


async def audit_actions(store: Store) -> list[tuple[str, str]]:
    """(action, subject) of every audit entry, oldest first; the chain must be intact."""
    assert (await store.verify_audit()).intact
    return [(e.action, e.subject) for e in await store.audit_entries(limit=1000, after=None)]
