"""`bench/run.py` keeps working (at `--smoke` sizes): real node processes, every bench asked
for reports its numbers (no timing is asserted), the JSON has the listed keys."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RUN = [sys.executable, str(ROOT / "bench" / "run.py")]


def test_quick_benches_report_their_numbers(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [*RUN, "--smoke", "--only", "e2e,large,backlog,scale", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert results["size"] == "smoke"
    e2e = results["e2e"]
    for key in ("ratio_to_floor", "docs_per_s", "floor_docs_per_s", "p50_ms", "p99_ms"):
        assert e2e[key] > 0, key
    assert e2e["ratio_to_floor"] == pytest.approx(e2e["docs_per_s"] / e2e["floor_docs_per_s"])
    assert e2e["p50_ms"] <= e2e["p99_ms"]
    large = results["large"]
    assert large["file_mb"] > 2
    assert large["peak_rss_mb_a"] > large["idle_rss_mb_a"] > 0
    assert large["mb_per_s"] > 0
    scale = results["scale"]
    assert scale["stored"] == 5000
    assert scale["ratio"] == pytest.approx(scale["full_per_s"] / scale["empty_per_s"])
    backlog = results["backlog"]
    assert backlog["delivered"] == backlog["queued"] == 300
    assert backlog["left_when_stopped"] == backlog["dead"] == 0
    assert "ratio_to_floor" in done.stdout
    assert "drain_per_s" in done.stdout


def test_an_unknown_bench_is_refused_with_the_known_names() -> None:
    done = subprocess.run(
        [*RUN, "--only", "e2e,nope"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "unknown bench nope" in done.stdout
    assert "e2e" in done.stdout
