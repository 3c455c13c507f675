"""`lienthong db`: database maintenance (upgrade: apply schema migrations)."""

from __future__ import annotations

import argparse
import sys

NAME = "db"
HELP = "database maintenance (upgrade: apply schema migrations)"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong db: not implemented yet", file=sys.stderr)
    return 2
