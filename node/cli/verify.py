"""`lienthong verify`: offline check of every signature in envelopes and attached PDFs."""

from __future__ import annotations

import argparse
import sys

NAME = "verify"
HELP = "offline check of every signature in edXML envelopes and their PDF attachments"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong verify: not implemented yet", file=sys.stderr)
    return 2
