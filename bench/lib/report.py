"""The result table on stdout and bench/results/latest.json."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def print_table(results: dict[str, dict[str, Any]]) -> None:
    for name, row in results.items():
        print(f"\n== {name}")
        width = max(len(k) for k in row) if row else 0
        for key, value in row.items():
            if not isinstance(value, (dict, list)):
                print(f"  {key:<{width}}  {_cell(value)}")


def write_json(results: dict[str, dict[str, Any]], size: str, path: Path | None = None) -> Path:
    target = path or RESULTS / "latest.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": size,
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
        **results,
    }
    target.write_text(json.dumps(document, indent=2) + "\n")
    return target


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))
