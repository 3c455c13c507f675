"""`lienthong send`: submit a document or status message to a node as a DMS would.

Exit codes: 0 accepted (the JSON answer on stdout), 1 refused (the problem's
detail and errors on stderr), 2 usage, unreadable file or unreachable node.
The token may come from ``--token`` or the ``LIENTHONG_TOKEN`` environment
variable (which keeps it out of the process list)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

NAME = "send"
HELP = "submit a document or status message to a node as a DMS would"
TOKEN_ENV = "LIENTHONG_TOKEN"  # noqa: S105 - a variable name, not a secret


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the edXML file to submit")
    parser.add_argument("--node", required=True, metavar="URL", help="the node's DMS API URL")
    parser.add_argument("--token", metavar="T", help=f"bearer token (default: ${TOKEN_ENV})")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument(
        "--status", action="store_true", help="submit as a status message (default: detect)"
    )
    kind.add_argument("--document", action="store_true", help="submit as a document")
    parser.add_argument("--idempotency-key", metavar="K", help="the DMS's own submission key")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds (default 300)")


def run(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get(TOKEN_ENV)
    if not token:
        return _fail(f"give --token or set {TOKEN_ENV}", 2)
    file: Path = args.file
    if not file.is_file() or not os.access(file, os.R_OK):
        return _fail(f"cannot read {file}", 2)
    status = args.status or (not args.document and _looks_like_status(file))
    return asyncio.run(_send(args, token, status))


async def _send(args: argparse.Namespace, token: str, status: bool) -> int:
    from adapters.http.client import NodeClient, NodeUnreachable

    file: Path = args.file
    try:
        async with NodeClient(args.node, token, timeout=args.timeout) as client:
            answer = await client.submit(file, status=status, idempotency_key=args.idempotency_key)
    except NodeUnreachable as exc:
        return _fail(str(exc), 2)
    except OSError as exc:
        return _fail(f"cannot read {file}: {exc.strerror}", 2)
    if answer.ok:
        print(json.dumps(answer.data, ensure_ascii=False))
        return 0
    _print_problem(answer.status, answer.problem_detail, answer.problem_errors)
    return 1


def _looks_like_status(file: Path) -> bool:
    """Peek at the header (bounded, safe parser); unknown → document."""
    from adapters.transport.peek import HeaderPeeker
    from node.errors import LienthongError

    peeker = HeaderPeeker()
    try:
        with file.open("rb") as handle:
            for _ in range(64):
                chunk = handle.read(64 * 1024)
                if not chunk or peeker.feed(chunk):
                    break
        return str(peeker.result().kind) == "status"
    except (LienthongError, OSError):
        return False


def _print_problem(status: int, detail: str, errors: list[dict[str, Any]]) -> None:
    print(f"lienthong send: refused ({status}): {detail}", file=sys.stderr)
    for error in errors:
        where = [str(error[k]) for k in ("line", "path") if error.get(k) not in (None, "")]
        prefix = ": ".join(where) + ": " if where else ""
        print(f"  {prefix}{error.get('message', '')}", file=sys.stderr)


def _fail(message: str, code: int) -> int:
    print(f"lienthong send: {message}", file=sys.stderr)
    return code
