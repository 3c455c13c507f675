"""`lienthong demo`: two nodes, two DMS simulators, one document, full status round trip."""

from __future__ import annotations

import argparse
import sys

NAME = "demo"
HELP = "two nodes, two DMS simulators, one document, full status round trip"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong demo: not implemented yet", file=sys.stderr)
    return 2
