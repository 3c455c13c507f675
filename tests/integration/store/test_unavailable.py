"""Driver failures surface as StoreUnavailable (or ConfigError for a bad URL)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from node.errors import ConfigError, StoreUnavailable
from node.store import store_from_url


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_postgres_is_store_unavailable() -> None:
    store = store_from_url(f"postgresql://postgres@127.0.0.1:{_closed_port()}/test")
    with pytest.raises(StoreUnavailable, match="cannot connect"):
        await store.open()


async def test_sqlite_in_an_unusable_place_is_store_unavailable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    store = store_from_url(f"sqlite://{tmp_path}/file/node.db")
    with pytest.raises(StoreUnavailable):
        await store.open()


async def test_sqlite_that_is_not_a_database_is_store_unavailable(tmp_path: Path) -> None:
    (tmp_path / "node.db").write_bytes(b"garbage" * 1000)
    store = store_from_url(f"sqlite://{tmp_path}/node.db")
    with pytest.raises(StoreUnavailable):
        await store.open()


@pytest.mark.parametrize(
    "url",
    [
        "mysql://x/y",
        "sqlite://",
        "sqlite:///tmp/",
        "postgresql://h:notaport/db",
        "postgresql://h/db?schema=",
    ],
)
def test_bad_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        store_from_url(url)


def test_relative_sqlite_paths_resolve_against_base_dir(tmp_path: Path) -> None:
    store = store_from_url("sqlite://data/node.db", base_dir=tmp_path)
    assert store.path == tmp_path / "data" / "node.db"  # type: ignore[attr-defined]
