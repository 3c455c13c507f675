"""Fuzz run: mutated envelopes against `lienthong validate`, the DMS API and
the peer API (real node processes on 127.0.0.1, temp directory); prints cases,
crashes, 5xx and wrongly accepted per target (the goal is 0, 0, 0). See
docs/reliability.md and tests/support/harness/fuzz.py for the oracles.

    python bench/fuzz.py                 # 2000 mutants per target
    python bench/fuzz.py --quick         # 200
    python bench/fuzz.py -n 5000 --seed 9

Exit code 1 when any target had a crash, a 5xx or a wrong acceptance.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.harness.fuzz import describe  # noqa: E402
from tests.support.harness.fuzzrun import run_fuzz  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--count", type=int, default=2000, help="mutants per target")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200 mutants per target")
    args = parser.parse_args()
    count = 200 if args.quick else args.count
    print(f"fuzz: {count} mutants per target, seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="lienthong-fuzz-") as tmp:
        reports = asyncio.run(run_fuzz(Path(tmp), count, args.seed))
    print(describe(reports))
    return 0 if all(r.clean for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
