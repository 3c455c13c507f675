"""The ``Lienthong-*`` headers that travel beside the bytes (docs/architecture.md,
"Peer API wire format"): built here for every outgoing transfer (peer and
webhook) and parsed here for the receiving side, so both agree by construction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from node.errors import LienthongError
from node.model import MessageKind
from node.organ import organ_id_problem
from node.ports.driven import Direction, Hop, TransferMeta

MESSAGE_ID = "Lienthong-Message-Id"
KIND = "Lienthong-Kind"
RECIPIENTS = "Lienthong-Recipients"
HOPS = "Lienthong-Hops"
CONTENT_SHA256 = "Lienthong-Content-SHA256"

MAX_HOPS_HEADER = 16 * 1024
_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BadTransferHeaders(LienthongError):
    """The Lienthong-* headers of a transfer are missing or malformed."""

    kind = "bad-transfer-headers"
    http_status = 400
    title = "Bad transfer headers"


def message_id_problem(value: str) -> str | None:
    """Message ids name files (drop folders) and travel in headers: a conservative
    alphabet, at most 128 characters, no leading dot or dash."""
    if _MESSAGE_ID.fullmatch(value):
        return None
    return f"message id {value!r} must be 1-128 characters of A-Z a-z 0-9 . _ - (no leading . or -)"


def hops_header(hops: Iterable[Hop]) -> str:
    """The ``Lienthong-Hops`` value: a JSON array of {node, at, direction}."""
    listed = [{"node": h.node, "at": h.at.isoformat(), "direction": str(h.direction)} for h in hops]
    return json.dumps(listed, separators=(",", ":"))


def transfer_headers(meta: TransferMeta, sha256: str) -> dict[str, str]:
    return {
        MESSAGE_ID: meta.message_id,
        KIND: str(meta.kind),
        RECIPIENTS: ",".join(meta.recipients),
        HOPS: hops_header(meta.hops),
        CONTENT_SHA256: sha256,
    }


def _get(headers: Mapping[str, str], name: str) -> str:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value.strip()
    raise BadTransferHeaders(f"header {name} is missing")


def parse_transfer_headers(headers: Mapping[str, str]) -> tuple[TransferMeta, str]:
    """``(TransferMeta, content sha256)`` from received headers (any case), or
    :class:`BadTransferHeaders` naming the header that is wrong."""
    message_id = _get(headers, MESSAGE_ID)
    if problem := message_id_problem(message_id):
        raise BadTransferHeaders(f"{MESSAGE_ID}: {problem}")
    kind_text = _get(headers, KIND)
    try:
        kind = MessageKind(kind_text)
    except ValueError:
        raise BadTransferHeaders(
            f"{KIND} must be 'document' or 'status', not {kind_text!r}"
        ) from None
    recipients = tuple(r.strip() for r in _get(headers, RECIPIENTS).split(",") if r.strip())
    if not recipients:
        raise BadTransferHeaders(f"{RECIPIENTS} names no organ")
    for organ in recipients:
        if problem := organ_id_problem(organ):
            raise BadTransferHeaders(f"{RECIPIENTS}: {problem}")
    sha = _get(headers, CONTENT_SHA256).lower()
    if not _SHA256.fullmatch(sha):
        raise BadTransferHeaders(f"{CONTENT_SHA256} must be 64 hex digits")
    hops = parse_hops(_get(headers, HOPS))
    return TransferMeta(message_id, kind, recipients, hops), sha


def parse_hops(text: str) -> tuple[Hop, ...]:
    """A ``Lienthong-Hops`` value, or :class:`BadTransferHeaders` naming what is wrong."""
    if len(text) > MAX_HOPS_HEADER:
        raise BadTransferHeaders(f"{HOPS} is longer than {MAX_HOPS_HEADER} characters")
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise BadTransferHeaders(f"{HOPS} is not JSON: {exc}") from None
    if not isinstance(raw, list):
        raise BadTransferHeaders(f"{HOPS} must be a JSON array")
    return tuple(_parse_hop(i, item) for i, item in enumerate(raw))


def _parse_hop(index: int, item: object) -> Hop:
    where = f"{HOPS}[{index}]"
    if not isinstance(item, dict) or set(item) != {"node", "at", "direction"}:
        raise BadTransferHeaders(f'{where} must be {{"node", "at", "direction"}}')
    node, at, direction = item["node"], item["at"], item["direction"]
    if not isinstance(node, str) or not node:
        raise BadTransferHeaders(f"{where}.node must be a non-empty string")
    try:
        when = datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise BadTransferHeaders(f"{where}.at must be an ISO 8601 time with a UTC offset")
    try:
        return Hop(node, when, Direction(direction))
    except ValueError:
        raise BadTransferHeaders(f"{where}.direction must be 'in' or 'out'") from None
