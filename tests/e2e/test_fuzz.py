"""A short fuzz run (bench/fuzz.py is the long one): mutated envelopes against
`lienthong validate`, the DMS API and the peer API of real node processes.
No crash, no 5xx, nothing accepted that should not be."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.harness.fuzz import describe
from tests.support.harness.fuzzrun import run_fuzz

pytestmark = pytest.mark.slow


async def test_mutated_envelopes_are_refused_cleanly(tmp_path: Path) -> None:
    reports = await run_fuzz(tmp_path, count=60, seed=3)

    assert [r.target for r in reports] == ["validate", "dms-api", "peer-api"]
    assert all(r.cases == 60 for r in reports)
    assert all(r.clean for r in reports), describe(reports)
    # the mutants really were refused (not all waved through as duplicates)
    assert all(
        sum(n for k, n in r.outcomes.items() if k in ("400", "exit 1")) > 20 for r in reports
    ), describe(reports)
