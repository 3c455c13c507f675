"""bench/signing.py runs end to end in --quick mode (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_bench_quick_prints_rates_and_memory(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "signing.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    numbers = json.loads(out.read_text())
    assert [row["size"] for row in numbers["rates"]] == ["1KB", "100KB", "1MB"]
    assert all(row["verify_per_s"] > 0 and row["sign_per_s"] > 0 for row in numbers["rates"])
    assert numbers["memory"]["attachment_mb"] == 10
    assert "peak RSS" in result.stdout
