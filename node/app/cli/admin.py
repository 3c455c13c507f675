"""`lienthong admin`: operator client for the admin API (tables, or ``--json``).

Exit codes: 0 done, 1 refused by the node (or the audit log is broken),
2 usage or unreachable node. The token may come from ``--token`` or the
``LIENTHONG_ADMIN_TOKEN`` environment variable."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from node.app.cli import table
from node.report_format import FORMATS, render_csv, render_text

NAME = "admin"
HELP = (
    "operator client for the admin API (list, show, trace, resend, dead letters, stats, directory)"
)
TOKEN_ENV = "LIENTHONG_ADMIN_TOKEN"  # noqa: S105 - a variable name, not a secret
PREFIX = "/admin/v1"

MESSAGE_COLUMNS = [
    ("ID", "id"),
    ("KIND", "kind"),
    ("STATE", "state"),
    ("FROM", "sender"),
    ("TO", "recipients"),
    ("RECEIVED", "received_at"),
    ("DOCUMENT", "document_id"),
]
DELIVERY_COLUMNS = [
    ("DELIVERY", "id"),
    ("MESSAGE", "message_id"),
    ("TO", "destination.name"),
    ("KIND", "destination.kind"),
    ("RECIPIENTS", "recipients"),
    ("STATE", "state"),
    ("NEXT", "next_attempt_at"),
    ("LAST ERROR", "last_error"),
]
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "dead": DELIVERY_COLUMNS,
    "resend": DELIVERY_COLUMNS,
    "list": MESSAGE_COLUMNS,
    "overdue": [
        ("DOCUMENT", "document_id"),
        ("RECIPIENT", "recipient"),
        ("EXPECTED", "expected"),
        ("DUE", "due_at"),
        ("LAST", "last_code"),
    ],
    "stats": [
        ("ORGAN", "organ"),
        ("DOCS", "documents"),
        ("01", "arrived"),
        ("03", "accepted"),
        ("02", "refused"),
        ("06", "done"),
        ("OVERDUE", "overdue"),
        ("ON TIME", "on_time_rate"),
        ("COMPLETE", "completeness"),
    ],
    "routes": [("PATTERN", "pattern"), ("TO", "destination_kind"), ("NAME", "destination")],
    "queues": [
        ("KIND", "destination.kind"),
        ("DESTINATION", "destination.name"),
        ("WAITING", "queued"),
        ("IN FLIGHT", "in_flight"),
        ("HELD", "held"),
        ("OLDEST", "oldest_created_at"),
    ],
    "peers": [
        ("PEER", "name"),
        ("ORGAN", "organ_id"),
        ("URL", "url"),
        ("CERT DAYS LEFT", "certificate.days_left"),
        ("CERT SHA-256", "certificate.sha256"),
    ],
    "certs": [
        ("ROLE", "role"),
        ("NAME", "name"),
        ("DAYS LEFT", "days_left"),
        ("NOT AFTER", "not_after"),
        ("SUBJECT", "subject"),
    ],
}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--node", required=True, metavar="URL", help="the node's URL")
    parser.add_argument("--token", metavar="T", help=f"admin bearer token (default: ${TOKEN_ENV})")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    search = sub.add_parser("list", help="search messages")
    search.add_argument("--state")
    search.add_argument("--organ")
    search.add_argument("--since", metavar="ISO8601")
    search.add_argument("--until", metavar="ISO8601")
    search.add_argument("--limit", type=int)
    search.add_argument("--cursor")
    search.add_argument("--document-id", dest="document_id", metavar="ID")
    search.add_argument("--status-code", dest="status_code", metavar="NN", help="e.g. 02")
    for action, text in (
        ("show", "one message with its deliveries, statuses, verification"),
        ("trace", "a message's deliveries, attempts and statuses"),
        ("resend", "put dead deliveries of a message back in the queue"),
    ):
        sub.add_parser(action, help=text).add_argument("id", metavar="MESSAGE_ID")
    sub.add_parser("dead", help="dead-lettered deliveries").add_argument("--limit", type=int)
    stats = sub.add_parser("stats", help="per-organ feedback statistics")
    stats.add_argument("--organ")
    stats.add_argument("--since", metavar="ISO8601")
    sub.add_parser("overdue", help="feedback that is due and missing").add_argument("--organ")
    report = sub.add_parser("report", help="QĐ 28 supervision report for a period")
    report.add_argument("--from", dest="start", required=True, metavar="DATE", help="YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, metavar="DATE", help="YYYY-MM-DD")
    report.add_argument("--organ")
    report.add_argument("--format", choices=FORMATS, default="text", help="default: text")
    for action, text in (
        ("routes", "the routing table"),
        ("queues", "waiting deliveries per destination"),
        ("peers", "peer nodes"),
        ("certs", "certificates and days to expiry"),
        ("audit", "verify the audit log"),
    ):
        sub.add_parser(action, help=text)
    directory = sub.add_parser("directory", help="the axis' organ directory (directory_sync)")
    directory.add_argument("--organ", help="only this organ, and whether the axis lists it")


def _request(args: argparse.Namespace) -> tuple[str, str, dict[str, str]]:
    """(method, path, query) of the API call an action makes."""
    query_keys = {
        "list": (
            "state",
            "organ",
            "since",
            "until",
            "limit",
            "cursor",
            "document_id",
            "status_code",
        ),
        "dead": ("limit",),
        "stats": ("organ", "since"),
        "overdue": ("organ",),
        "report": ("organ",),
        "directory": ("organ",),
    }
    query = {
        k: str(getattr(args, k))
        for k in query_keys.get(args.action, ())
        if getattr(args, k, None) is not None
    }
    paths = {
        "list": "/messages",
        "dead": "/dead-letters",
        "stats": "/stats",
        "overdue": "/overdue",
        "routes": "/routes",
        "queues": "/queues",
        "peers": "/peers",
        "certs": "/certificates",
        "audit": "/audit",
        "report": "/report",
        "directory": "/directory",
    }
    if args.action == "report":
        query |= {"from": args.start, "to": args.end}
    if args.action in ("show", "trace", "resend"):
        suffix = {"show": "", "trace": "/trace", "resend": "/resend"}[args.action]
        method = "POST" if args.action == "resend" else "GET"
        return method, f"/messages/{args.id}{suffix}", query
    return "GET", paths[args.action], query


def run(args: argparse.Namespace) -> int:
    token = args.token or os.environ.get(TOKEN_ENV)
    if not token:
        print(f"lienthong admin: give --token or set {TOKEN_ENV}", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, token))


async def _run(args: argparse.Namespace, token: str) -> int:
    from adapters.http.client import NodeClient, NodeUnreachable

    method, path, query = _request(args)
    try:
        async with NodeClient(args.node, token, timeout=60) as client:
            answer = await client.request(method, PREFIX + path, params=query)
    except NodeUnreachable as exc:
        print(f"lienthong admin: {exc}", file=sys.stderr)
        return 2
    if not answer.ok:
        print(
            f"lienthong admin: refused ({answer.status}): {answer.problem_detail}", file=sys.stderr
        )
        for error in answer.problem_errors:
            print(f"  {error.get('path', '')}: {error.get('message', '')}", file=sys.stderr)
        return 1
    if args.action == "report" and not args.json:
        fmt = {"csv": render_csv, "text": render_text}.get(args.format)
        print(
            fmt(answer.data) if fmt else _json(answer.data),
            end="\n" if fmt is not render_csv else "",
        )
        return 0
    print(_json(answer.data) if args.json else _human(args.action, answer.data))
    if args.action == "audit" and not answer.data.get("intact"):
        return 1
    return 0


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _human(action: str, data: Any) -> str:
    renderers: dict[str, Callable[[Any], str]] = {
        "show": _show,
        "trace": _trace,
        "audit": _audit,
        "directory": _directory,
        "resend": lambda d: table.render(d["deliveries"], COLUMNS["resend"]),
    }
    if action in renderers:
        return renderers[action](data)
    text = table.render(data["items"], COLUMNS[action])
    if data.get("next_cursor"):
        text += f"\nmore: --cursor {data['next_cursor']}"
    return text


def _trace(trace: dict[str, Any]) -> str:
    head = table.pairs(
        [
            ("message", trace["id"]),
            ("document", trace["document_id"]),
            ("kind", trace["kind"]),
            ("state", trace["state"]),
            ("from", trace["sender"]),
            ("to", trace["recipients"]),
            ("received", trace["received_at"]),
        ]
    )
    hops = table.render(trace["hops"], [("HOP", "node"), ("AT", "at"), ("DIR", "direction")])
    deliveries = table.render(trace["deliveries"], DELIVERY_COLUMNS)
    attempts = [{"delivery": d["id"], **a} for d in trace["deliveries"] for a in d["attempts"]]
    attempt_table = table.render(
        attempts,
        [
            ("DELIVERY", "delivery"),
            ("AT", "at"),
            ("OUTCOME", "outcome"),
            ("HTTP", "http_status"),
            ("DETAIL", "detail"),
        ],
    )
    statuses = table.render(
        trace["statuses"],
        [
            ("RECIPIENT", "recipient"),
            ("CODE", "code"),
            ("AT", "at"),
            ("DESCRIPTION", "description"),
        ],
    )
    parts = [head, hops, deliveries, attempt_table, statuses]
    chain = trace.get("chain") or []
    if chain:
        rows = [{**c, "this": "*" if c["id"] == trace["id"] else ""} for c in chain]
        parts.append(
            table.render(
                rows,
                [
                    ("", "this"),
                    ("CHAIN", "id"),
                    ("BUSINESS", "business"),
                    ("RECEIVED", "received_at"),
                    ("TO", "recipients"),
                    ("CHANGES", "changes"),
                    ("REASON", "reason"),
                ],
            )
        )
    return "\n\n".join(parts)


def _show(detail: dict[str, Any]) -> str:
    verification = json.dumps(detail["verification"], ensure_ascii=False, indent=2)
    return f"{_trace(detail['trace'])}\n\nverification:\n{verification}"


def _directory(data: dict[str, Any]) -> str:
    if not data["items"]:
        return "no upstream has directory_sync = true"
    parts = []
    for item in data["items"]:
        facts = [
            ("upstream", item["upstream"]),
            ("call", item["call"]),
            ("synced", item["synced_at"] or "never"),
            ("last error", item["last_error"] or "-"),
            ("entries", item["count"]),
        ]
        if "known" in item:
            facts.append(("organ listed", "yes" if item["known"] else "NO"))
        parts.append(table.pairs(facts))
        parts.append(
            table.render(
                item["entries"],
                [
                    ("CODE", "code"),
                    ("ID", "id"),
                    ("NAME", "name"),
                    ("CODE102", "code102"),
                    ("CENTER", "center_code"),
                    ("DELETED", "deleted"),
                ],
            )
        )
    return "\n\n".join(parts)


def _audit(check: dict[str, Any]) -> str:
    """One line; the store's ``detail`` already says "N entries, chain intact"
    when all is well, so it is shown only for a broken chain (where it says why)."""
    count = f"{check['entries']} {'entry' if check['entries'] == 1 else 'entries'}"
    if check["intact"]:
        return f"audit log: {count}, hash chain intact"
    reason = check.get("detail") or "the hash chain is broken"
    return f"audit log: BROKEN at entry {check['first_bad_entry']}: {reason} ({count} checked)"
