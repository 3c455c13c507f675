"""deploy/lienthong.service runs `lienthong serve` the way the CLI accepts it,
gives a graceful stop more time than the node takes, is hardened, and (when
systemd-analyze is installed) passes `systemd-analyze verify`."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from node.app.cli.main import build_parser
from node.config.model import WorkersSection

UNIT = Path(__file__).resolve().parents[3] / "deploy" / "lienthong.service"
INSTALLED = "/opt/lienthong/.venv/bin/lienthong"


def _settings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_exec_lines_are_commands_the_cli_accepts() -> None:
    parser, _ = build_parser()
    for key in ("ExecStartPre", "ExecStart"):
        (line,) = _settings()[key]
        program, *args = shlex.split(line)
        assert program == INSTALLED
        parsed = parser.parse_args(args)
        assert parsed.config == Path("/etc/lienthong/node.toml")
    assert shlex.split(_settings()["ExecStart"][0])[1] == "serve"


def test_stop_waits_longer_than_the_graceful_drain() -> None:
    settings = _settings()
    assert settings["KillSignal"] == ["SIGTERM"]
    stop_seconds = int(settings["TimeoutStopSec"][0])
    assert stop_seconds > WorkersSection().stop_grace.total_seconds()


def test_unit_is_hardened() -> None:
    settings = _settings()
    for key, value in {
        "NoNewPrivileges": "true",
        "ProtectSystem": "strict",
        "ProtectHome": "true",
        "PrivateTmp": "true",
        "CapabilityBoundingSet": "",
        "UMask": "0077",
    }.items():
        assert settings.get(key) == [value], key
    assert settings["User"] != ["root"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    lienthong = Path(sys.executable).parent / "lienthong"
    unit = tmp_path / "lienthong.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(lienthong)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "lienthong.service" not in result.stderr, result.stderr
