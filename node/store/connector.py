"""The narrow port the store logic is written against (procrastinate style).

:class:`node.store.sqlstore.SqlStore` holds every operation of the
:class:`node.store.port.Store` once; a :class:`Connector` runs its transaction
bodies on one engine. A transaction body is an ``async`` function of a
:class:`Tx`; it runs named queries (``node/store/sql/<dialect>.sql``, whose
parameters are ``:name`` in both dialects) with Python values: ``str``,
``int``, ``bytes``, ``None``, aware ``datetime``, ``date`` and lists of
``str``. Each connector turns those into what its driver wants (SQLite: ISO
text and JSON arrays; asyncpg: as they are).

A SQLite transaction body never really suspends: its ``Tx`` answers at once,
so the connector runs the whole body on the database thread in one hop (and
in one group commit). Only what the engines store differently has a hook:
where message bytes go (:meth:`Connector.stage`, :meth:`Connector.put_blob`,
:meth:`Connector.settle`, :meth:`Connector.body`), and what a unique-key race
looks like (:meth:`Connector.is_conflict`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from node.ports.driven import StoredBody
from node.store.records import MessageRecord, NewMessage

T = TypeVar("T")
Row = Any
"""sqlite3.Row or asyncpg.Record: both index by column name."""


class Tx(Protocol):
    """One open transaction (or, for plain reads, one connection)."""

    async def execute(self, query: str, /, **params: Any) -> int:
        """Run the named query; the number of rows it touched."""
        ...

    async def execute_many(self, query: str, rows: Sequence[Mapping[str, Any]]) -> None: ...

    async def fetch(self, query: str, /, **params: Any) -> Sequence[Row]: ...

    async def fetchone(self, query: str, /, **params: Any) -> Row | None: ...


Body = Callable[..., Coroutine[Any, Any, T]]
"""A transaction body: ``async def body(tx: Tx, *args) -> T``."""


class Connector(Protocol):
    @property
    def spool_dir(self) -> Path | None: ...

    async def open(self) -> None:
        """Connect, migrate, sweep what a crash left behind."""
        ...

    async def close(self) -> None: ...

    async def schema_version(self) -> int: ...

    async def write(self, body: Body[T], /, *args: Any) -> T:
        """``body(tx, *args)`` in one write transaction: committed (durably)
        when this returns, rolled back if it raises."""
        ...

    async def read(
        self, body: Body[T], /, *args: Any, consistent: bool = False, quick: bool = False
    ) -> T:
        """``body(tx, *args)`` on a reader; ``consistent``: in one snapshot;
        ``quick``: a point read by key, which an engine may answer without a
        thread hop (SQLite: on the event loop's own reader)."""
        ...

    # ------------------------------------------------------------------ hooks

    async def stage(self, messages: Sequence[NewMessage]) -> None:
        """Before the transaction that stores ``messages``: make their bytes durable
        where the engine keeps them outside the database (SQLite: blob files)."""
        ...

    async def put_blob(self, tx: Tx, message: NewMessage) -> None:
        """Inside that transaction: store the bytes in the database (PostgreSQL)."""
        ...

    async def settle(self, messages: Sequence[NewMessage], *, stored: bool) -> None:
        """After it, committed (``stored``) or not: publish or drop staged bytes."""
        ...

    def body(self, message: MessageRecord) -> StoredBody: ...

    def is_conflict(self, error: BaseException) -> bool:
        """Whether a failed write lost a race for a unique key (another process
        stored the same idempotency key meanwhile)."""
        ...

    async def compact_counters(self) -> None:
        """Fold counter deltas, where the engine keeps deltas (PostgreSQL)."""
        ...
