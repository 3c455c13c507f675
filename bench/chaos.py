"""Chaos run: N documents between two real nodes while either node is SIGKILLed
at random moments (K times) and restarted; prints lost, duplicated and missing
statuses (the goal is 0, 0, 0). See docs/reliability.md.

    python bench/chaos.py                       # SQLite, 10 000 documents, 50 kills
    python bench/chaos.py --quick               # SQLite,    200 documents, 10 kills
    python bench/chaos.py --store postgres -n 2000 -k 20
    python bench/chaos.py --store both --seed 7

DMS A submits each document to node A (retrying while A is down, as a DMS
must); node B stores it in DMS B's inbox and emits 01; DMS B reads, answers
with 03 and acknowledges; DMS A collects the statuses. Everything runs on
127.0.0.1 in a temp directory (PostgreSQL: schemas of their own in
LIENTHONG_TEST_POSTGRES_URL, dropped afterwards). Exit code 1 when anything
was lost, duplicated or missing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.harness.chaos import ChaosReport, run_chaos  # noqa: E402
from tests.support.harness.fixtures import running_pair  # noqa: E402
from tests.support.pg import postgres_dsn, probe, schemas, with_schema  # noqa: E402


async def one_run(store: str, args: argparse.Namespace) -> ChaosReport | None:
    with tempfile.TemporaryDirectory(prefix=f"lienthong-chaos-{store}-") as tmp:
        root = Path(tmp)
        if store == "sqlite":
            with running_pair(root) as (processes, setups):
                return await _run(processes, setups, args)
        dsn = postgres_dsn()
        problem = await probe(dsn)
        if problem is not None:
            print(f"postgres: skipped ({problem})")
            return None
        async with schemas(dsn, 2) as (schema_a, schema_b):
            storage = (with_schema(dsn, schema_a), with_schema(dsn, schema_b))
            with running_pair(root, storage=storage) as (processes, setups):
                return await _run(processes, setups, args)


async def _run(processes, setups, args):  # type: ignore[no-untyped-def]
    def log(line: str) -> None:
        if args.verbose:
            print(line, flush=True)

    report = await run_chaos(
        processes,
        setups,
        documents=args.documents,
        kills=args.kills,
        seed=args.seed,
        log=log,
    )
    for process in processes:
        code = process.stop()
        if code != 0:
            print(f"{process.name}: exit code {code} on SIGTERM\n{process.tail()}")
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--documents", type=int, default=10_000)
    parser.add_argument("-k", "--kills", type=int, default=50)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200 documents, 10 kills")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every kill")
    args = parser.parse_args()
    if args.quick:
        args.documents, args.kills = 200, 10
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    failed = False
    for store in stores:
        print(f"chaos {store}: {args.documents} documents, {args.kills} SIGKILLs, seed {args.seed}")
        report = asyncio.run(one_run(store, args))
        if report is None:
            continue
        print(report.table())
        for name in (
            "refused",
            "lost",
            "duplicated",
            "missing_statuses",
            "duplicated_statuses",
            "other_statuses",
            "unexpected",
        ):
            items = getattr(report, name)
            if items:
                print(f"  {name} (first 10): {items[:10]}")
        failed = failed or not report.clean
        print()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
