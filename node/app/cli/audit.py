"""`lienthong audit`: export the audit log with its signed checkpoints, and
verify such an export offline, as an auditor does.

Exit codes: 0 done / all valid; 1 the export shows tampering (a broken link, a
missing tail, a rewritten chain, a bad checkpoint signature or timestamp, no
checkpoint at all); 2 usage (unreadable file, bad trust directory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from node.app.cli.db import _safe, add_store_arguments, store_url

NAME = "audit"
HELP = "export the audit log with signed checkpoints; verify an export offline"
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
FORMAT = "lienthong-audit-export"
VERSION = 1
PAGE = 1000


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write the audit log and its checkpoints (JSON lines) from the node's store",
        description="Write the audit log, its signed checkpoints and their certificates "
        "to FILE as JSON lines (a header line, then entries, then checkpoints).",
    )
    add_store_arguments(export)
    export.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FILE", help="file to write"
    )
    verify = actions.add_parser(
        "verify",
        help="check an export offline: chain, checkpoints, signatures, timestamps",
        description="Check an export as an auditor: every link of the hash chain, every "
        "checkpoint's signature, signer certificate and RFC 3161 timestamp, and that the "
        "chain holds every entry a checkpoint covers.",
    )
    verify.add_argument("file", metavar="FILE", type=Path, help="a `lienthong audit export` file")
    verify.add_argument(
        "--trust",
        type=Path,
        metavar="DIR",
        required=True,
        help="trust directory: the CAs of the node's signing certificate and of the TSA "
        "(*.pem, *.crt, *.cer) and their CRLs (*.crl)",
    )
    verify.add_argument(
        "--crl", type=Path, action="append", default=[], metavar="FILE", help="extra CRL file"
    )
    verify.add_argument(
        "--revocation",
        choices=("hard-fail", "soft-fail", "off"),
        default="hard-fail",
        help="certificate revocation checking, as for `lienthong verify` (default hard-fail)",
    )
    verify.add_argument("--json", action="store_true", help="print a JSON report")


def run(args: argparse.Namespace) -> int:
    if args.action == "export":
        return _export(args)
    return _verify(args)


# --------------------------------------------------------------------------- export


def _export(args: argparse.Namespace) -> int:

    url = store_url(args)
    try:
        handle = args.output.open("w", encoding="utf-8")
    except OSError as exc:
        return _usage(f"cannot write {args.output}: {exc.strerror}")
    with handle:
        entries, checkpoints = asyncio.run(_write_export(url, handle))
    print(
        f"audit log of {_safe(url)}: {entries} entries, {checkpoints} checkpoints "
        f"written to {args.output}"
    )
    return EXIT_OK


async def _write_export(url: str, out: TextIO) -> tuple[int, int]:
    from node.store import store_from_url

    store = store_from_url(url)
    await store.open()
    try:
        # Checkpoints first: every entry they cover was committed before them,
        # so the entries read next include it, even while the node runs.
        checkpoints: list[Any] = []
        cafter: int | None = None
        while True:
            cpage = await store.checkpoints(limit=PAGE, after=cafter)
            checkpoints += cpage
            if len(cpage) < PAGE:
                break
            cafter = cpage[-1].id
        count, head = await store.audit_head()
        _line(
            out,
            {
                "type": "header",
                "format": FORMAT,
                "version": VERSION,
                "entries": count,
                "head": head,
                "checkpoints": len(checkpoints),
            },
        )
        written = 0
        after: int | None = None
        while True:
            page = await store.audit_entries(limit=PAGE, after=after)
            for e in page:
                _line(
                    out,
                    {
                        "type": "entry",
                        "seq": e.seq,
                        "at": e.at.isoformat(),
                        "actor": e.actor,
                        "action": e.action,
                        "subject": e.subject,
                        "details": dict(e.details),
                        "prev_hash": e.prev_hash,
                        "hash": e.hash,
                    },
                )
            written += len(page)
            if len(page) < PAGE:
                break
            after = page[-1].seq
        for c in checkpoints:
            _line(
                out,
                {
                    "type": "checkpoint",
                    "id": c.id,
                    "at": c.at.isoformat(),
                    "entries": c.entries,
                    "head": c.head,
                    "reason": c.reason,
                    "payload": c.payload,
                    "signature": c.signature,
                    "algorithm": c.algorithm,
                    "certificates": c.certificates,
                    "timestamp": c.timestamp,
                    "timestamp_error": c.timestamp_error,
                },
            )
        return written, len(checkpoints)
    finally:
        await store.close()


def _line(out: TextIO, record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


# --------------------------------------------------------------------------- verify


class ExportUnreadable(ValueError):
    pass


def read_export(path: Path) -> tuple[list[Any], list[Any]]:
    """The entries and checkpoints of an export file; ExportUnreadable names the line."""
    from node.store.records import AuditEntry, Checkpoint

    entries: list[AuditEntry] = []
    checkpoints: list[Checkpoint] = []
    try:
        lines = list(_lines(path))
    except OSError as exc:
        raise ExportUnreadable(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ExportUnreadable(f"{path} is not UTF-8 text") from None
    if not lines:
        raise ExportUnreadable(f"{path} is empty")
    for number, text in lines:
        try:
            record = json.loads(text)
            kind = record["type"] if isinstance(record, dict) else None
            if number == 1:
                if kind != "header" or record.get("format") != FORMAT:
                    raise ExportUnreadable(
                        f"{path}: line 1 is not a {FORMAT} header (is this an audit export?)"
                    )
                if record.get("version") != VERSION:
                    raise ExportUnreadable(
                        f"{path}: export version {record.get('version')!r} is not supported"
                    )
            elif kind == "entry":
                entries.append(
                    AuditEntry(
                        seq=_int(record["seq"]),
                        at=datetime.fromisoformat(record["at"]),
                        actor=str(record["actor"]),
                        action=str(record["action"]),
                        subject=str(record["subject"]),
                        details=dict(record["details"]),
                        prev_hash=str(record["prev_hash"]),
                        hash=str(record["hash"]),
                    )
                )
            elif kind == "checkpoint":
                checkpoints.append(
                    Checkpoint(
                        id=_int(record["id"]),
                        at=datetime.fromisoformat(record["at"]),
                        entries=_int(record["entries"]),
                        head=str(record["head"]),
                        reason=str(record["reason"]),
                        payload=str(record["payload"]),
                        signature=str(record["signature"]),
                        algorithm=str(record["algorithm"]),
                        certificates=str(record["certificates"]),
                        timestamp=_opt_str(record.get("timestamp")),
                        timestamp_error=_opt_str(record.get("timestamp_error")),
                    )
                )
            else:
                raise ExportUnreadable(f"{path}: line {number}: unknown record type {kind!r}")
        except ExportUnreadable:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)[:120]
            raise ExportUnreadable(f"{path}: line {number} is not a valid record: {what}") from None
    return entries, checkpoints


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield number, line


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer")
    return value


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _verify(args: argparse.Namespace) -> int:
    from node.checkpoints import check_export
    from node.modes import RevocationMode
    from signing.auditsign import CheckpointChecker
    from signing.policy import VerificationPolicy
    from signing.trust import TrustStoreError, load_material

    if not args.trust.is_dir():
        return _usage(f"--trust {args.trust}: not a directory")
    try:
        material = load_material(args.trust, args.crl)
    except TrustStoreError as exc:
        return _usage(exc.detail)
    try:
        entries, checkpoints = read_export(args.file)
    except ExportUnreadable as exc:
        return _usage(str(exc))
    policy = VerificationPolicy(
        trust_dir=args.trust,
        crl_files=tuple(args.crl),
        revocation=RevocationMode(args.revocation),
    )
    checker = CheckpointChecker(policy, material)

    async def checked() -> Any:
        facts = {c.id: await checker.check(c, _payload(c.payload)) for c in checkpoints}
        return check_export(entries, checkpoints, lambda c, _data: facts[c.id])

    findings = asyncio.run(checked())
    if args.json:
        json.dump(
            {"version": 1, "file": str(args.file), **findings.as_dict()},
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_render(findings))
    return EXIT_OK if findings.ok else EXIT_INVALID


def _payload(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _render(findings: Any) -> str:
    out: list[str] = []
    if findings.first_broken_link is None:
        out.append(f"chain: {findings.entries} entries, every link intact")
    else:
        out.append(f"chain: BROKEN at entry {findings.first_broken_link}: {findings.chain_detail}")
    for c in findings.checkpoints:
        mark = "✓" if not c.problems else "✗"
        stamp = f", timestamped {c.timestamp}" if c.timestamp else ""
        out.append(
            f"{mark} checkpoint {c.id} ({c.reason}, {c.at}): {c.entries} entries{stamp}"
            + (f", signed by {c.signer}" if c.signer else "")
        )
        out += [f"    ✗ {p}" for p in c.problems]
        out += [f"    ! {w}" for w in c.warnings]
    out += [f"! {w}" for w in findings.warnings]
    if findings.ok:
        out.append(
            f"VALID: {findings.covered} of {findings.entries} entries covered "
            "by a signed checkpoint"
        )
    else:
        out.append(f"INVALID: {len(findings.problems)} problem(s)")
        out += [f"  - {p}" for p in findings.problems]
    return "\n".join(out) + "\n"


def _usage(message: str) -> int:
    print(f"lienthong audit: {message}", file=sys.stderr)
    return EXIT_USAGE
