"""The audit log's hash chain: each entry's hash covers its content and the
previous entry's hash, so editing, inserting or deleting any entry breaks every
hash after it. Both store engines use these functions.

The stores write the entries of the state changes they make themselves, in the
same transaction (:func:`message_entries`, :func:`delivery_entry`): a message
stored (``accept`` from a DMS or peer, ``generate`` for the node's own 01, 02
and failure notices), each status history line (``record-status``), and each
finished delivery (``deliver`` to a local DMS, ``relay`` to a peer node). The
engine adds ``ack``, ``refuse``, ``resend``, ``dead-letter``; the node's start
adds ``config-change`` and ``key-change``. Signed checkpoints of the chain head
are kept beside it (:mod:`node.checkpoints`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from node.ports.api import AuditCheck
from node.store.records import AuditEntry, NewAuditEntry, NewMessage, Source

GENESIS = "0" * 64


def canonical_details(details: Mapping[str, Any]) -> str:
    return json.dumps(
        details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the entry's JSON array ``[seq, at, actor, action,
    subject, details, prev_hash]``, keys sorted, no spaces, UTF-8."""
    middle = hashed_middle(at=at, actor=actor, action=action, subject=subject, details=details)
    return hashlib.sha256(chained(seq, middle, prev_hash).encode("utf-8")).hexdigest()


def hashed_middle(
    *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
) -> str:
    """The part of the hashed array between ``seq`` and ``prev_hash``: what the
    writer knows before it has the lock, so that the store can number, link
    and hash the entry in the INSERT itself (``audit_append``: one round trip)."""
    return json.dumps(
        [
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            subject,
            json.loads(canonical_details(details)),
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )[1:-1]


def chained(seq: int, middle: str, prev_hash: str) -> str:
    """The hashed text; ``audit_append`` builds the same with ``||`` in SQL (a
    hash is hex, so it needs no JSON escaping)."""
    return f'[{seq},{middle},"{prev_hash}"]'


def message_entries(m: NewMessage) -> list[NewAuditEntry]:
    """The entries recording that ``m`` was stored, and its status history lines."""
    generated = m.source is Source.NODE
    actor = "node" if generated else f"{m.source.value}:{m.source_name}"
    details: dict[str, Any] = {
        "kind": m.kind.value,
        "document_id": m.document_id,
        "sender": m.sender,
        "recipients": list(m.recipients),
        "sha256": m.sha256,
        "size": m.size,
    }
    if m.origin_id != m.id:
        details["origin_id"] = m.origin_id
    if m.status_code is not None:
        details["status_code"] = m.status_code
    if m.deliveries:
        details["destinations"] = [
            f"{d.destination.kind.value} {d.destination.name}" for d in m.deliveries
        ]
    if m.inbox:
        details["inbox"] = sorted({e.organ for e in m.inbox})
    action = "generate" if generated else "accept"
    entries = [NewAuditEntry(m.received_at, actor, action, m.id, details)]
    for s in m.statuses:
        line: dict[str, Any] = {
            "recipient": s.recipient,
            "code": s.code,
            "at": s.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "message": m.id,
        }
        if s.description:
            line["description"] = s.description
        entries.append(NewAuditEntry(m.received_at, actor, "record-status", s.document_id, line))
    return entries


def delivery_entry(
    *, at: datetime, message_id: str, delivery_id: str, kind: str, destination: str, owner: str
) -> NewAuditEntry:
    """A delivery made: ``relay`` to a peer node, ``deliver`` to a local DMS."""
    return NewAuditEntry(
        at,
        "node",
        "relay" if kind == "peer" else "deliver",
        message_id,
        {"delivery": delivery_id, "destination": f"{kind} {destination}", "worker": owner},
    )


class ChainVerifier:
    """Checks entries fed in seq order (page by page), remembering the first bad one."""

    def __init__(self) -> None:
        self._prev = GENESIS
        self._expected_seq = 1
        self.entries = 0
        self.first_bad: int | None = None
        self.detail = ""

    def feed(self, entry: AuditEntry) -> None:
        self.entries += 1
        problem = self._problem(entry)
        if problem and self.first_bad is None:
            self.first_bad = entry.seq
            self.detail = problem
        self._prev = entry.hash
        self._expected_seq = entry.seq + 1

    def _problem(self, entry: AuditEntry) -> str | None:
        if entry.seq != self._expected_seq:
            return f"entry {self._expected_seq} is missing"
        if entry.prev_hash != self._prev:
            return f"entry {entry.seq} does not link to entry {entry.seq - 1}"
        recomputed = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            details=entry.details,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return f"entry {entry.seq} was altered"
        return None

    def result(self) -> AuditCheck:
        if self.first_bad is not None:
            return AuditCheck(self.entries, False, self.first_bad, self.detail)
        return AuditCheck(self.entries, True, None, f"{self.entries} entries, chain intact")


def verify_chain(entries: Iterable[AuditEntry]) -> AuditCheck:
    verifier = ChainVerifier()
    for entry in entries:
        verifier.feed(entry)
    return verifier.result()
