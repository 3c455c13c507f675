"""Driver failures entering the PostgreSQL store become StoreUnavailable (503)."""

from __future__ import annotations

import asyncpg
import pytest

from node.errors import StoreUnavailable
from node.store.postgres.connection import translated


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
        asyncpg.InterfaceError("connection is closed"),
        ConnectionResetError("reset by peer"),
    ],
)
async def test_a_broken_connection_is_store_unavailable(error: Exception) -> None:
    with pytest.raises(StoreUnavailable, match=type(error).__name__):
        async with translated("postgresql://127.0.0.1/test"):
            raise error
