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


def test_chaos_script_kills_any_of_the_three_chain_nodes() -> None:
    done = run("bench/chaos.py", "--chain", "-n", "6", "-k", "3", "--seed", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "chaos chain: 6 documents, 3 SIGKILLs" in done.stdout
    assert "SIGKILLs (h41 / g22 / h22)" in done.stdout
    rows = {
        row.rsplit(None, 1)[0].strip(): row.split()[-1]
        for row in done.stdout.splitlines()
        if row.strip()
    }
    assert rows["accepted (200/202)"] == "6", done.stdout
    assert (rows["lost"], rows["duplicated"], rows["missing statuses"]) == ("0", "0", "0")


def test_fuzz_script_prints_its_table() -> None:
    done = run("bench/fuzz.py", "-n", "15", "--seed", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    targets = [row.split()[0] for row in done.stdout.splitlines()[2:5]]
    assert targets == ["validate", "dms-api", "peer-api"], done.stdout
