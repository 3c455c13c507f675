"""Sending up to a national (VDXP) axis: the delivery workers hand a stored
message to :meth:`VdxpUpstream.send` exactly as they hand one to a peer node,
so the same queue, backoff, hold-back, expiry, dead letter and resend apply.

- ``messagetype``: ``status`` for a status message; for a document, from its
  ``TraceHeaderList/Bussiness/BussinessDocType``: 0 ``edoc``, 1
  ``revocation``, 2 ``update``, 3 ``replacement``.
- Outcomes: ``OK`` → delivered, the axis' ``DocId`` in the attempt's detail
  (the delivery record keeps it against our message id); unreachable, 5xx,
  429, an answer that is not VDXP JSON → transient and ``destination_down``
  (the worker holds the upstream's other deliveries back behind one probe);
  401/403 (wrong secret or clock) → transient and down too (the message is
  fine, the link is not: fix the secret and the queue drains); any other
  ``FAIL`` → permanent (dead letter, the sender is told).
- Exactly once: a retry sends the same bytes, and the axis recognises them by
  the envelope's own identity (lienthong's ``/vdxp`` answers a repeated
  ``sendEdoc`` of a document (DocumentId, sender, recipient) or status
  (document, reporter, code, time) with the first ``DocId``, never storing it
  twice); see docs/upstream.md for the crash window and the national axis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import aiohttp

from adapters.transport.peek import HeaderPeeker
from adapters.transport.vdxp_client import VdxpCallFailed, VdxpClient
from node.errors import ConfigError, LienthongError
from node.model import MessageKind
from node.ports.driven import Clock, DeliveryOutcome, Outcome, StoredBody, TransferMeta

BUSINESS_TYPES = {"0": "edoc", "1": "revocation", "2": "update", "3": "replacement"}
_BUSINESS = re.compile(rb"<(?:\w+:)?BussinessDocType>\s*([0-9])\s*<")
HEAD_LIMIT = 4 << 20
AUTH_STATUSES = frozenset({401, 403})


@dataclass(frozen=True)
class UpstreamEndpoint:
    """A national axis this node connects to as a VDXP client."""

    name: str
    """The name routes use (like a peer's)."""
    url: str
    """The VDXP endpoint (calls are ``<url>/sendEdoc`` …)."""
    system_id: str
    secret: str = field(repr=False)
    organ_id: str
    """The organ id of the axis' node (recorded in hops)."""

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"upstream {self.name}: url must be http(s)://…")
        if not self.secret:
            raise ConfigError(f"upstream {self.name}: the secret is empty")


def client_for(
    endpoint: UpstreamEndpoint, session: aiohttp.ClientSession, clock: Clock, timeout: float
) -> VdxpClient:
    return VdxpClient(
        endpoint=endpoint.url,
        system_id=endpoint.system_id,
        secret=endpoint.secret,
        session=session,
        now=clock.now,
        timeout=aiohttp.ClientTimeout(total=timeout + 30, connect=min(10.0, timeout)),
    )


async def send_upstream(
    client: VdxpClient, endpoint: UpstreamEndpoint, meta: TransferMeta, body: StoredBody
) -> DeliveryOutcome:
    label = f"upstream {endpoint.name}"
    try:
        sender, message_type = await _describe(meta, body)
    except LienthongError as exc:
        return DeliveryOutcome(Outcome.PERMANENT, f"{label}: stored message unreadable: {exc}")
    try:
        doc_id = await client.send_edoc(
            sender=sender,
            recipients=meta.recipients,
            message_type=message_type,
            sha256_hex=body.sha256,
            size=body.size,
            chunks=body.chunks(),
        )
    except VdxpCallFailed as exc:
        down = not exc.reachable or exc.http_status in AUTH_STATUSES
        outcome = Outcome.TRANSIENT if down else Outcome.PERMANENT
        return DeliveryOutcome(outcome, f"{label} {exc}", exc.http_status, destination_down=down)
    return DeliveryOutcome(
        Outcome.DELIVERED, f"accepted by {label} as DocId {doc_id} ({message_type})", 200
    )


async def _describe(meta: TransferMeta, body: StoredBody) -> tuple[str, str]:
    """(sender, messagetype) from the head of the stored bytes."""
    peeker = HeaderPeeker()
    head = b""
    async for chunk in body.chunks(1 << 16):
        if len(head) < HEAD_LIMIT:
            head += chunk
        done = peeker.feed(chunk)
        if done and (meta.kind is MessageKind.STATUS or _BUSINESS.search(head)):
            break
        if len(head) >= HEAD_LIMIT and done:
            break
    peek = peeker.result()
    if not peek.sender:
        raise LienthongError("no From/OrganId in the header")
    if meta.kind is MessageKind.STATUS:
        return peek.sender, "status"
    found = _BUSINESS.search(head)
    return peek.sender, BUSINESS_TYPES.get(found.group(1).decode() if found else "0", "edoc")
