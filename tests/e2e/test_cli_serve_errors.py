"""`lienthong serve` refuses a bad config with one line naming the key, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LIENTHONG = [sys.executable, "-m", "node.app.cli.main"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[node]\norgan_id = "000.00.00.H41"\ncolour = "blue"\n', "node.colour: unknown key"),
        (
            '[node]\norgan_id = "000.00.00.H41"\n[listen]\npeer = "127.0.0.1:0"\n',
            "tls: required when listen.peer is set",
        ),
        ("[node\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_exit_2(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "node.toml"
    path.write_text(text)
    done = subprocess.run(
        [*LIENTHONG, "serve", "--config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [*LIENTHONG, "serve", "--config", str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("lienthong serve: cannot read")
