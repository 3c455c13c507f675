"""Every command speaks only for itself: no library warning reaches the terminal.

Each command runs as a user would run it (the installed console script), with
the interpreter turning deprecation warnings into errors. The entry point
silences dependencies' warnings, so what could still fail here is a
deprecated call in our own code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.signing_fixtures import SAMPLES, SENDER

LIENTHONG = Path(sys.executable).parent / "lienthong"
STRICT = ("-W", "error::DeprecationWarning", "-W", "error::PendingDeprecationWarning")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *STRICT, str(LIENTHONG), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki")
    result = _run("pki", "init", str(directory), "--organ", SENDER)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return directory


def _commands(pki: Path, tmp: Path) -> list[tuple[list[str], int]]:
    signed = tmp / "signed.edxml"
    unreachable = "http://127.0.0.1:9"
    return [
        (["validate", str(SAMPLES / "document.edxml")], 0),
        (
            [
                "sign",
                str(SAMPLES / "document.edxml"),
                "--key",
                str(pki / f"{SENDER}.key"),
                "--cert",
                str(pki / f"{SENDER}.pem"),
                "-o",
                str(signed),
            ],
            0,
        ),
        (["verify", str(signed), "--trust", str(pki)], 0),
        (["verify", str(tmp / "missing.edxml")], 2),
        (["init", str(tmp / "node"), "--organ", SENDER], 0),
        (["serve", "--config", str(tmp / "missing.toml")], 2),
        (["send", "--node", unreachable, "--token=lt_x", str(SAMPLES / "document.edxml")], 2),
        (["admin", "--node", unreachable, "--token=lt_x", "routes"], 2),
        (["db", "upgrade", "--config", str(tmp / "node" / "node.toml")], 0),
        (
            [
                "audit",
                "export",
                "--config",
                str(tmp / "node" / "node.toml"),
                "-o",
                str(tmp / "audit.jsonl"),
            ],
            0,
        ),
        (["audit", "verify", str(tmp / "missing.jsonl"), "--trust", str(pki)], 2),
        (["demo", "--help"], 0),
    ]


def test_each_command_prints_nothing_but_its_own_words(pki: Path, tmp_path: Path) -> None:
    for argv, expected in _commands(pki, tmp_path):
        result = _run(*argv)

        assert result.returncode == expected, (argv, result.stderr)
        assert "Warning" not in result.stderr, (argv, result.stderr)
        assert "Warning" not in result.stdout, (argv, result.stdout)
        assert "Traceback" not in result.stderr, (argv, result.stderr)
        if expected:
            assert result.stderr.count("\n") == 1, (argv, result.stderr)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = _run("verify", str(tmp_path / "missing.edxml"))

    assert result.returncode == 2
    missing = tmp_path / "missing.edxml"
    assert result.stderr == (
        f"lienthong verify: {missing}: cannot read {missing}: No such file or directory\n"
    )
