"""`lienthong db upgrade`: migrations applied, version printed, one-line errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from node.app.cli.main import main
from node.store.sqlfiles import load_migrations
from tests.conftest import PostgresSchema


def test_upgrade_sqlite_prints_the_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite://{tmp_path}/data/node.db"
    assert main(["db", "upgrade", "--url", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "url": url,
        "version": len(load_migrations("sqlite")),
    }
    assert (tmp_path / "data" / "node.db").exists()


def test_upgrade_postgres_twice_is_harmless(
    postgres_schema: PostgresSchema, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        assert main(["db", "upgrade", "--url", postgres_schema.url]) == 0
    assert capsys.readouterr().out.count(f"schema version {len(load_migrations('postgres'))}") == 2


def test_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["db", "upgrade", "--url", f"postgresql://postgres:pw@127.0.0.1:{port}/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lienthong db: cannot connect to postgresql://127.0.0.1:")
    assert err.count("\n") == 1
    assert "pw" not in err


@pytest.mark.parametrize("url", ["mysql://h/db", "sqlite://", "postgresql://h:port/db"])
def test_bad_url_is_one_line(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade", "--url", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lienthong db: ")
    assert err.count("\n") == 1


def test_missing_target_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["db", "upgrade"])
    assert exit_info.value.code == 2
