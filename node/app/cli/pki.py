"""`lienthong pki`: make a TEST PKI (CA, organisation certificates, CRL) for tests and demos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from node.organ import organ_id_problem

NAME = "pki"
HELP = "make a TEST PKI (CA, organisation certificates, CRL) for tests and demos"
EXIT_USAGE = 2


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="pki_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="write a TEST ONLY CA, per-organ signing and TLS certificates, a CRL, "
        "a revoked and an expired certificate, and signed sample PDFs",
        description="Write a TEST PKI into DIR: ca.pem, ca.key, ca.crl; per organ "
        "<organ>.pem + <organ>.key (PKCS#8), <organ>.tls.pem + <organ>.tls.key "
        "(localhost/127.0.0.1, server+client auth) and <organ>.sample.pdf (signed); "
        "revoked.pem/.key (listed in ca.crl) and expired.pem/.key. Every subject says "
        "TEST ONLY: never use this material for real documents.",
    )
    init.add_argument(
        "directory", metavar="DIR", type=Path, help="directory to write (new or empty)"
    )
    init.add_argument(
        "--organ",
        dest="organs",
        metavar="ID",
        action="append",
        required=True,
        help="organ id to issue certificates for (repeatable), e.g. 000.00.00.G22",
    )
    init.add_argument(
        "--key-type",
        choices=("rsa", "ec"),
        default="rsa",
        help="organisation signing keys: RSA-2048 (default) or EC P-256",
    )


def run(args: argparse.Namespace) -> int:
    for organ in args.organs:
        problem = organ_id_problem(organ)
        if problem:
            return _usage(problem)
    directory: Path = args.directory
    if directory.exists() and not directory.is_dir():
        return _usage(f"{directory} exists and is not a directory")
    if (directory / "ca.pem").exists():
        return _usage(f"{directory} already holds a PKI (ca.pem); choose a new or empty directory")
    from signing.pki import make_test_pki

    try:
        pki = make_test_pki(
            directory, list(dict.fromkeys(args.organs)), key_algorithm=args.key_type
        )
    except OSError as exc:
        return _usage(f"cannot write {directory}: {exc.strerror or exc}")
    print(f"TEST ONLY PKI written to {pki.directory}")
    print(f"  CA certificate   {pki.ca_cert}")
    print(f"  CRL              {pki.crl}")
    for organ in pki.organs:
        print(
            f"  {organ.organ_id:<16} {organ.cert.name}, {organ.key.name}, "
            f"{organ.tls_cert.name}, {organ.tls_key.name}, {organ.sample_pdf.name}"
        )
    print(f"  revoked          {pki.revoked.cert.name} (listed in {pki.crl.name})")
    print(f"  expired          {pki.expired.cert.name}")
    return 0


def _usage(message: str) -> int:
    print(f"lienthong pki: {message}", file=sys.stderr)
    return EXIT_USAGE
