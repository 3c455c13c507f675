"""bench/transport.py --quick runs end to end (numbers are printed, not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "transport.py"


def test_quick_bench_runs() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    for variant in ("peer", "bare", "drop-folder", "copy"):
        assert any(line.startswith(variant + " ") for line in lines), out.stdout
    assert "ratio peer / bare throughput:" in out.stdout
