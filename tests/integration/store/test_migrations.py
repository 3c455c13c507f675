"""Migrations are versioned, applied at open, idempotent, and refuse a newer schema."""

from __future__ import annotations

import pytest

from node.errors import StoreUnavailable
from node.store import Store, store_from_url
from node.store.sqlfiles import load_migrations
from tests.integration.store.conftest import Target


async def test_open_applies_every_migration(store: Store, target: Target) -> None:
    assert await store.schema_version() == len(load_migrations(target.dialect))


async def test_opening_again_changes_nothing(store: Store, open_store, target: Target) -> None:  # type: ignore[no-untyped-def]
    again = await open_store()
    assert await again.schema_version() == len(load_migrations(target.dialect))


async def test_a_newer_schema_is_refused(store: Store, target: Target) -> None:
    await store.close()
    await target.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) "
        "VALUES (999, 'future', '2030-01-01T00:00:00Z')"
    )
    newer = store_from_url(target.url)
    with pytest.raises(StoreUnavailable, match="newer than this lienthong"):
        await newer.open()
