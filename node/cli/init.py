"""`lienthong init`: write node.toml and keys for a new node."""

from __future__ import annotations

import argparse
import sys

NAME = "init"
HELP = "write node.toml and keys for a new node"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong init: not implemented yet", file=sys.stderr)
    return 2
