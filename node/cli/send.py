"""`lienthong send`: submit a document or status message to a node as a DMS would."""

from __future__ import annotations

import argparse
import sys

NAME = "send"
HELP = "submit a document or status message to a node as a DMS would"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong send: not implemented yet", file=sys.stderr)
    return 2
