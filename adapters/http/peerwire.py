"""The peer API's wire format (docs/architecture.md, "Peer API wire format"):
the headers that carry :class:`~node.ports.TransferMeta` beside the signed
bytes. Decoding reports every bad header at once, each by name."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from node.errors import BadRequest, Issue
from node.model import MessageKind
from node.organ import organ_id_problem
from node.ports import Direction, Hop, TransferMeta

MESSAGE_ID = "Lienthong-Message-Id"
KIND = "Lienthong-Kind"
RECIPIENTS = "Lienthong-Recipients"
HOPS = "Lienthong-Hops"
CONTENT_SHA256 = "Lienthong-Content-SHA256"

_MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
MAX_HOPS = 64


def encode_meta(meta: TransferMeta, sha256: str) -> dict[str, str]:
    """The headers a sending node puts on ``POST /peer/v1/messages``."""
    hops = [
        {"node": h.node, "at": h.at.isoformat(), "direction": h.direction.value} for h in meta.hops
    ]
    return {
        MESSAGE_ID: meta.message_id,
        KIND: meta.kind.value,
        RECIPIENTS: ",".join(meta.recipients),
        HOPS: json.dumps(hops, separators=(",", ":"), ensure_ascii=True),
        CONTENT_SHA256: sha256,
    }


def decode_meta(headers: Mapping[str, str]) -> tuple[TransferMeta, str]:
    """TransferMeta and the announced SHA-256 of the body; BadRequest listing
    every missing or malformed header otherwise."""
    issues: list[Issue] = []

    def fail(header: str, message: str) -> None:
        issues.append(Issue(None, f"header.{header}", message))

    message_id = headers.get(MESSAGE_ID, "")
    if not _MESSAGE_ID.fullmatch(message_id):
        fail(MESSAGE_ID, "must be 1-128 characters of A-Z a-z 0-9 . _ : - (the origin's id)")
    kind = _kind(headers.get(KIND), fail)
    recipients = _recipients(headers.get(RECIPIENTS), fail)
    hops = _hops(headers.get(HOPS), fail)
    sha256 = headers.get(CONTENT_SHA256, "").lower()
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        fail(CONTENT_SHA256, "must be the SHA-256 of the body as 64 hex digits")
    if issues or kind is None:
        raise BadRequest("invalid peer transfer headers", issues)
    return TransferMeta(message_id, kind, recipients, hops), sha256


def _kind(raw: str | None, fail: Any) -> MessageKind | None:
    try:
        return MessageKind(raw or "")
    except ValueError:
        fail(KIND, 'must be "document" or "status"')
        return None


def _recipients(raw: str | None, fail: Any) -> tuple[str, ...]:
    values = tuple(v.strip() for v in (raw or "").split(",") if v.strip())
    if not values:
        fail(RECIPIENTS, "must list the organ ids this transfer is for, comma-separated")
    for value in values:
        problem = organ_id_problem(value)
        if problem:
            fail(RECIPIENTS, problem)
    return tuple(dict.fromkeys(values))


def _hops(raw: str | None, fail: Any) -> tuple[Hop, ...]:
    shape = 'must be a JSON array of {"node", "at" (ISO 8601), "direction": "in"|"out"}'
    if raw is None:
        fail(HOPS, f"missing; {shape}")
        return ()
    try:
        data = json.loads(raw)
    except ValueError:
        fail(HOPS, f"not JSON; {shape}")
        return ()
    if not isinstance(data, list) or len(data) > MAX_HOPS:
        fail(HOPS, f"{shape}, at most {MAX_HOPS} entries")
        return ()
    hops: list[Hop] = []
    for index, item in enumerate(data):
        hop = _hop(item)
        if hop is None:
            fail(HOPS, f"entry {index}: {shape}")
        else:
            hops.append(hop)
    return tuple(hops)


def _hop(item: object) -> Hop | None:
    if not isinstance(item, dict) or set(item) != {"node", "at", "direction"}:
        return None
    node, at, direction = item["node"], item["at"], item["direction"]
    if not isinstance(node, str) or not node or not isinstance(at, str):
        return None
    try:
        when = datetime.fromisoformat(at)
        way = Direction(direction)
    except (ValueError, TypeError):
        return None
    if when.tzinfo is None:
        return None
    return Hop(node, when, way)
