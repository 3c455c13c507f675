"""`lienthong admin`: operator client for the admin API."""

from __future__ import annotations

import argparse
import sys

NAME = "admin"
HELP = "operator client for the admin API"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong admin: not implemented yet", file=sys.stderr)
    return 2
