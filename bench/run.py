"""lienthong benchmarks: real node processes on 127.0.0.1, numbers and ratios
measured side by side in one run.

    python bench/run.py                 # full sizes (tens of minutes)
    python bench/run.py --quick         # small sizes (make bench)
    python bench/run.py --smoke         # tiny sizes (the test suite keeps it working)
    python bench/run.py --only e2e,large

Benches (see bench/README.md): e2e (SQLite, then PostgreSQL), large, backlog,
scale, multi. Prints a table and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.lib import pg, report  # noqa: E402

Bench = Callable[[Path, str], Awaitable[dict[str, Any]]]


async def e2e_sqlite(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import e2e

    return await e2e.run(root, size=size, storage=(None, None))


async def e2e_postgres(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import e2e

    async with pg.schemas(2) as (a, b):
        return await e2e.run(root, size=size, storage=(pg.url(a), pg.url(b)))


async def large(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import large

    return await large.run(root, size=size)


async def backlog(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import backlog

    return await backlog.run(root, size=size)


async def scale_sqlite(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import scale

    return await scale.run(root, size=size, engine="sqlite")


async def scale_postgres(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import scale

    return await scale.run(root, size=size, engine="postgres")


async def scrape_sqlite(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import scrape

    return await scrape.run(root, size=size, engine="sqlite")


async def scrape_postgres(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import scrape

    return await scrape.run(root, size=size, engine="postgres")


async def multi(root: Path, size: str) -> dict[str, Any]:
    from bench.lib import multi

    return await multi.run(root, size=size)


BENCHES: dict[str, tuple[Bench, bool]] = {
    # name: (bench, needs PostgreSQL)
    "e2e": (e2e_sqlite, False),
    "e2e_postgres": (e2e_postgres, True),
    "large": (large, False),
    "backlog": (backlog, False),
    "scale": (scale_sqlite, False),
    "scale_postgres": (scale_postgres, True),
    "multi": (multi, True),
    "scrape": (scrape_sqlite, False),
    "scrape_postgres": (scrape_postgres, True),
}


def _keep_logs(work: Path, name: str) -> Path | None:
    """The nodes' logs of a failed bench, kept for reading."""
    logs = sorted(work.rglob("*.log"))
    if not logs:
        return None
    kept = Path(tempfile.mkdtemp(prefix=f"lienthong-bench-logs-{name}-"))
    for log in logs:
        shutil.copy(log, kept / f"{log.parent.name}-{log.name}")
    return kept


async def main(args: argparse.Namespace) -> int:
    names = list(BENCHES) if not args.only else args.only.split(",")
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"bench/run.py: unknown bench {', '.join(unknown)} (known: {', '.join(BENCHES)})")
        return 2
    no_pg = await pg.reachable() if any(BENCHES[n][1] for n in names) else None
    results: dict[str, dict[str, Any]] = {}
    failed = False
    for name in names:
        bench, needs_pg = BENCHES[name]
        if needs_pg and no_pg:
            results[name] = {"skipped": f"PostgreSQL unreachable ({no_pg})"}
            continue
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix=f"lienthong-bench-{name}-") as tmp:
            try:
                results[name] = await bench(Path(tmp), args.size)
            except Exception as exc:
                results[name] = {"error": f"{type(exc).__name__}: {exc}"}
                failed = True
                kept = _keep_logs(Path(tmp), name)
                if kept:
                    results[name]["node_logs"] = str(kept)
        results[name]["seconds"] = time.perf_counter() - started
        print(f"{name}: done in {results[name]['seconds']:.0f} s", file=sys.stderr, flush=True)
    report.print_table(results)
    print(f"\nwritten: {report.write_json(results, args.size, args.json)}")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument(
        "--quick", dest="size", action="store_const", const="quick", help="small sizes (make bench)"
    )
    sizes.add_argument(
        "--smoke", dest="size", action="store_const", const="smoke", help="tiny sizes (make test)"
    )
    parser.add_argument("--only", help=f"comma-separated benches: {', '.join(BENCHES)}")
    parser.add_argument("--json", type=Path, help="write the results here instead of latest.json")
    parser.set_defaults(size="full")
    sys.exit(asyncio.run(main(parser.parse_args())))
