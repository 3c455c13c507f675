"""Sending up to a national (VDXP) axis: the delivery workers hand a stored
message to :meth:`VdxpUpstream.send` exactly as they hand one to a peer node,
so the same queue, backoff, hold-back, expiry, dead letter and resend apply.

- ``Lienthong-Hops`` (the peer API's hop list) goes beside the SDK's signed
  headers, unsigned: a lienthong node as the axis refuses a message that
  passed it or exceeds its hop limit; the national axis ignores the header.
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
- Exactly once (:class:`SendJournal`): before ``sendEdoc`` the link notes, in
  a small file under ``<data_dir>/upstream/<name>/sending``, that the message
  is being sent, and after ``OK`` writes the ``DocId`` into it. A message sent
  again (a crash between ``sendEdoc`` and the commit of the delivery, so the
  lease expired and another attempt came) finds the note: with a ``DocId``,
  that ``DocId`` is recorded and nothing is sent; without one (the answer
  never came back), the link asks ``getSentEdocList`` for a document from the
  same sender with the same document id (``document_id`` or ``notation``) and
  recipients, and records that ``DocId`` instead of sending twice. Besides,
  lienthong's ``/vdxp`` recognises a repeated ``sendEdoc`` of a document
  (DocumentId, sender, recipient) or status (document, reporter, code, time)
  and answers the first ``DocId``; see docs/upstream.md.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from adapters.transport.headers import HOPS, hops_header
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
    journal_dir: Path | None = None
    """Where :class:`SendJournal` keeps its notes (None: no journal, tests)."""

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


class SendJournal:
    """One note per message being sent up: empty while ``sendEdoc`` is under
    way (or its answer was lost), the axis' ``DocId`` once it answered ``OK``.
    Notes are small files (a create and a write per message, no fsync: a
    SIGKILL keeps the page cache; a power cut may lose a note, and then the
    axis' own deduplication is what is left). Notes older than ``keep`` are
    removed, at most once per ``prune_every`` seconds."""

    def __init__(self, directory: Path, *, keep: float = 86400.0, prune_every: float = 3600.0):
        self.directory = directory
        self._keep = keep
        self._prune_every = prune_every
        self._pruned_at: float | None = None
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, message_id: str) -> Path:
        return self.directory / hashlib.sha256(message_id.encode()).hexdigest()[:40]

    def begin(self, message_id: str) -> str | None:
        """None: no earlier send from this node; "": one began and its answer
        is unknown; else the ``DocId`` the axis gave it."""
        self._prune()
        path = self._path(message_id)
        try:
            return path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            path.touch()
            return None

    def sent(self, message_id: str, doc_id: str) -> None:
        self._path(message_id).write_text(doc_id, encoding="ascii")

    def forget(self, message_id: str) -> None:
        """The axis answered and refused: nothing of this send was stored."""
        self._path(message_id).unlink(missing_ok=True)

    def _prune(self) -> None:
        now = time.monotonic()
        if self._pruned_at is not None and now - self._pruned_at < self._prune_every:
            return
        self._pruned_at = now
        limit = time.time() - self._keep
        with os.scandir(self.directory) as entries:
            for entry in entries:  # bounded by the directory
                try:
                    if entry.stat().st_mtime < limit:
                        os.unlink(entry.path)
                except FileNotFoundError:
                    continue


def matches_sent(
    entry: Mapping[str, Any], *, sender: str, document_id: str, recipients: tuple[str, ...]
) -> bool:
    """Whether a ``getSentEdocList`` entry is this (new) document: same sender
    (``fromCode``/``from``), same document id (lienthong's ``document_id``, or
    ``notation``), ``messageType`` edoc when it says, and the same recipients
    when it lists them (``toCode``)."""
    if str(entry.get("fromCode") or entry.get("from") or "") != sender:
        return False
    if str(entry.get("messageType") or "edoc") != "edoc":
        return False
    if document_id not in (str(entry.get("document_id") or ""), str(entry.get("notation") or "")):
        return False
    to = entry.get("toCode")
    if isinstance(to, str) and to:
        return set(to.split(",")) >= set(recipients)
    return True


async def send_upstream(
    client: VdxpClient,
    endpoint: UpstreamEndpoint,
    meta: TransferMeta,
    body: StoredBody,
    journal: SendJournal | None = None,
) -> DeliveryOutcome:
    label = f"upstream {endpoint.name}"
    try:
        sender, message_type, document_id = await _describe(meta, body)
    except LienthongError as exc:
        return DeliveryOutcome(Outcome.PERMANENT, f"{label}: stored message unreadable: {exc}")
    prior = journal.begin(meta.message_id) if journal is not None else None
    if prior:
        return DeliveryOutcome(
            Outcome.DELIVERED,
            f"accepted by {label} as DocId {prior} ({message_type}; "
            "answered before a restart, not sent again)",
            200,
        )
    if prior == "" and message_type == "edoc" and document_id:
        try:
            found = await _find_sent(client, sender, document_id, meta.recipients)
        except VdxpCallFailed as exc:
            down = not exc.reachable or exc.http_status in AUTH_STATUSES
            return DeliveryOutcome(
                Outcome.TRANSIENT, f"{label} {exc}", exc.http_status, destination_down=down
            )
        if found is not None:
            assert journal is not None
            journal.sent(meta.message_id, found)
            return DeliveryOutcome(
                Outcome.DELIVERED,
                f"accepted by {label} as DocId {found} ({message_type}; "
                "found in getSentEdocList after an unanswered send, not sent again)",
                200,
            )
    try:
        doc_id = await client.send_edoc(
            sender=sender,
            recipients=meta.recipients,
            message_type=message_type,
            sha256_hex=body.sha256,
            size=body.size,
            chunks=body.chunks(),
            extra_headers={HOPS: hops_header(meta.hops)},
        )
    except VdxpCallFailed as exc:
        down = not exc.reachable or exc.http_status in AUTH_STATUSES
        if exc.reachable and journal is not None:
            journal.forget(meta.message_id)  # the axis answered: nothing was stored
        outcome = Outcome.TRANSIENT if down else Outcome.PERMANENT
        return DeliveryOutcome(outcome, f"{label} {exc}", exc.http_status, destination_down=down)
    if journal is not None:
        journal.sent(meta.message_id, doc_id)
    return DeliveryOutcome(
        Outcome.DELIVERED, f"accepted by {label} as DocId {doc_id} ({message_type})", 200
    )


async def _find_sent(
    client: VdxpClient, sender: str, document_id: str, recipients: tuple[str, ...]
) -> str | None:
    for entry in await client.sent():
        doc_id = entry.get("docId") or entry.get("senderDocId")
        if doc_id and matches_sent(
            entry, sender=sender, document_id=document_id, recipients=recipients
        ):
            return str(doc_id)
    return None


async def _describe(meta: TransferMeta, body: StoredBody) -> tuple[str, str, str | None]:
    """(sender, messagetype, document id) from the head of the stored bytes."""
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
        return peek.sender, "status", peek.document_id
    found = _BUSINESS.search(head)
    message_type = BUSINESS_TYPES.get(found.group(1).decode() if found else "0", "edoc")
    return peek.sender, message_type, peek.document_id
