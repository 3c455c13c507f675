"""`lienthong sign`: add the organisation's XML signature to an edXML envelope."""

from __future__ import annotations

import argparse
import sys

NAME = "sign"
HELP = "add the organisation's XML signature to an edXML envelope"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong sign: not implemented yet", file=sys.stderr)
    return 2
