"""`lienthong demo`: two nodes, two DMS simulators, one document, full status round trip.

See :mod:`node.app.demo`. Exit codes: 0 every step checked out, 1 a step failed,
2 usage, 130 interrupted (the nodes are stopped first).
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "demo"
HELP = "two nodes, two DMS simulators, one document, full status round trip"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="work in DIR (new or empty) and keep it: PKI, node.toml files, databases, logs",
    )


def run(args: argparse.Namespace) -> int:
    from node.app.demo import run_demo

    return run_demo(args.keep)
