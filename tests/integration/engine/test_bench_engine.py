"""bench/engine.py --quick runs end to end (numbers are printed, not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "engine.py"


def test_quick_bench_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "sqlite accept+deliver: 60 documents" in out.stdout
    assert "sqlite claim of 16:" in out.stdout
    assert "postgres" in out.stdout, out.stdout
