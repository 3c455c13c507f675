"""`lienthong serve`: run the node (DMS API, peer API, admin API, delivery workers)."""

from __future__ import annotations

import argparse
import sys

NAME = "serve"
HELP = "run the node (DMS API, peer API, admin API, delivery workers)"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong serve: not implemented yet", file=sys.stderr)
    return 2
