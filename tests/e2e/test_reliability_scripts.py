"""bench/chaos.py and bench/fuzz.py keep working (tiny sizes here; the real
runs are `make chaos` and `python bench/fuzz.py`, see docs/reliability.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_chaos_script_prints_its_table() -> None:
    done = run("bench/chaos.py", "-n", "8", "-k", "2", "--seed", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("lost                ", "duplicated          ", "missing statuses    "):
        assert any(
            row.startswith(line.strip()) and row.split()[-1] == "0"
            for row in done.stdout.splitlines()
        ), done.stdout
    assert "SIGKILLs (a / b)" in done.stdout


def test_fuzz_script_prints_its_table() -> None:
    done = run("bench/fuzz.py", "-n", "15", "--seed", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    targets = [row.split()[0] for row in done.stdout.splitlines()[2:5]]
    assert targets == ["validate", "dms-api", "peer-api"], done.stdout
