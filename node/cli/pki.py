"""`lienthong pki`: make a TEST PKI (CA, organisation certificates, CRL) for tests and demos."""

from __future__ import annotations

import argparse
import sys

NAME = "pki"
HELP = "make a TEST PKI (CA, organisation certificates, CRL) for tests and demos"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    print("lienthong pki: not implemented yet", file=sys.stderr)
    return 2
