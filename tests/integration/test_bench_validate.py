"""The validation benchmark in --quick mode runs to completion (`lienthong demo`
has its own end-to-end test: tests/e2e/test_demo.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_validate_quick() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "validate.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "document",
        "bytes",
        "bare",
        "docs/s",
        "lienthong",
        "docs/s",
        "ratio",
        "+envelope",
        "docs/s",
        "ratio",
    ]
    assert lines[1].startswith("20KB ")
    assert lines[2].startswith("1MB ")
    assert lines[3].startswith("rss: attachment 20 MB")
    assert "True" in lines[3]
