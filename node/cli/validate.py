"""`lienthong validate`: XSD and business-rule validation of edXML documents and status messages."""

from __future__ import annotations

import argparse
import sys

NAME = "validate"
HELP = "XSD and business-rule validation of edXML documents and status messages"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong validate: not implemented yet", file=sys.stderr)
    return 2
