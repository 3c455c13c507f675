"""`lienthong verify`: offline check of every signature in envelopes and attached PDFs."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from node.model import VN_TZ

NAME = "verify"
HELP = "offline check of every signature in edXML envelopes and their PDF attachments"
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", metavar="FILE", nargs="+", type=Path, help="edXML envelope(s)")
    parser.add_argument(
        "--trust",
        type=Path,
        metavar="DIR",
        help="trust directory: CA certificates (*.pem, *.crt, *.cer; only CAs are anchors) "
        "and CRLs (*.crl); a `lienthong pki init` directory works",
    )
    parser.add_argument(
        "--crl",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="extra CRL file, PEM or DER (repeatable)",
    )
    parser.add_argument(
        "--at",
        metavar="ISO8601",
        help="validate certificates at this time instead of now "
        "(e.g. 2026-11-20T09:15:00+07:00; without an offset, Vietnam time)",
    )
    parser.add_argument(
        "--revocation",
        choices=("hard-fail", "soft-fail", "off"),
        default="hard-fail",
        help="hard-fail: revocation status must be established (default); soft-fail: "
        "revoked fails, missing data only warns; off: no revocation check",
    )
    parser.add_argument(
        "--allow-legacy",
        action="store_true",
        help="accept SHA-1 and short keys (still reported as weak)",
    )
    parser.add_argument(
        "--fetch",
        action="store_true",
        help="fetch CRLs/OCSP over the network from URLs in certificates (default: offline)",
    )
    parser.add_argument(
        "--pdf",
        choices=("enforce", "report", "off"),
        default="enforce",
        help="PDF attachment signatures: must be valid (default), only reported, or skipped",
    )
    parser.add_argument(
        "--require-signed-pdf", action="store_true", help="an unsigned PDF attachment fails"
    )
    parser.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="an envelope without XML signature does not fail by itself",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument(
        "--signers",
        type=Path,
        metavar="FILE",
        help="TOML file of [[signers]] tables (organ, may_sign_for): which certificate "
        "organ may sign for which senders; default: each organ signs only for itself",
    )
    who.add_argument(
        "--config",
        type=Path,
        metavar="NODE_TOML",
        help="apply a node's own rule: its [[signers]], its local organs and what each "
        "peer speaks for (peers[].organs)",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON report")


def parse_at(text: str) -> datetime:
    """ISO 8601 instant; a value without offset is Vietnam time (UTC+07:00)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=VN_TZ)


def run(args: argparse.Namespace) -> int:
    from node.errors import ConfigError, MalformedXml, UnsafeXml
    from node.modes import PdfMode, RevocationMode
    from signing.policy import VerificationPolicy
    from signing.render import render_text
    from signing.trust import TrustStoreError
    from signing.verifier import DocumentUnreadable, DocumentVerifier

    try:
        at = parse_at(args.at) if args.at else None
    except ValueError:
        return _usage(f"--at {args.at!r} is not an ISO 8601 date/time")
    try:
        signers = _signers(args)
    except ConfigError as exc:
        return _usage(exc.detail)
    policy = VerificationPolicy(
        trust_dir=args.trust,
        crl_files=tuple(args.crl),
        revocation=RevocationMode(args.revocation),
        fetch=args.fetch,
        allow_legacy=args.allow_legacy,
        require_signature=not args.allow_unsigned,
        pdf=PdfMode(args.pdf),
        require_signed_pdf=args.require_signed_pdf,
        signers_for=signers,
    )
    if not getattr(args, "debug", False):
        # pyHanko logs tracebacks for suspicious PDF changes; the report already says
        # what was found, and the CLI shows no traceback without --debug.
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    verifier = DocumentVerifier(policy)
    try:
        verifier.check_trust_store()
    except TrustStoreError as exc:
        return _usage(exc.detail)
    documents: list[dict[str, Any]] = []
    code = EXIT_OK
    for path in args.files:
        try:
            report = verifier.report(path, at=at)
        except (DocumentUnreadable, MalformedXml, UnsafeXml, TrustStoreError) as exc:
            print(f"lienthong verify: {path}: {exc.detail}", file=sys.stderr)
            documents.append({"path": str(path), "accepted": False, "error": exc.detail})
            code = EXIT_USAGE
            continue
        documents.append(report.as_dict())
        if not report.accepted and code == EXIT_OK:
            code = EXIT_INVALID
        if not args.json:
            sys.stdout.write(render_text(report))
    if args.json:
        accepted = all(d.get("accepted") for d in documents)
        json.dump(
            {"version": 1, "accepted": accepted, "documents": documents},
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    return code


def _signers(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    """The sender-binding pairs of ``--signers FILE`` or ``--config node.toml``."""
    from node.config import load_config
    from node.config.domain import explicit_signers, signers_for
    from node.config.load import load_signers

    if args.signers is not None:
        return tuple(explicit_signers(load_signers(args.signers)))
    if args.config is not None:
        return signers_for(load_config(args.config, check_files=False))
    return ()


def _usage(message: str) -> int:
    print(f"lienthong verify: {message}", file=sys.stderr)
    return EXIT_USAGE
