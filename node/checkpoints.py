"""Signed checkpoints of the audit log's hash chain, and the auditor's check of
an export.

A hash chain alone shows an edited or deleted entry, but not a chain cut short
at its tail, nor one recomputed whole by someone who can write the database.
A checkpoint is the node's signed statement "the chain had ``entries`` entries
and the last one's hash was ``head``", made at intervals, at start and on
graceful shutdown, optionally timestamped by an RFC 3161 authority (TSA) over
the signature. Each names the previous checkpoint it knew of (``previous``:
its payload's SHA-256), so deleting one in the middle is seen too.

This module is pure: it builds the exact signed text (:func:`checkpoint_payload`)
and checks an exported chain against its checkpoints (:func:`check_export`);
signing, timestamping and certificate validation are behind the
:class:`CheckpointSigner` / :class:`Timestamper` ports and the ``signatures``
callback (implemented in :mod:`signing.auditsign`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from node.store.audit import ChainVerifier
from node.store.records import AuditEntry, Checkpoint

PAYLOAD_TYPE = "lienthong-audit-checkpoint"
PAYLOAD_VERSION = 1


class CheckpointSigner(Protocol):
    """Signs checkpoint payloads with the node's key (CPU-bound; call off the loop)."""

    algorithm: str
    """``rsa-sha256`` (PKCS#1 v1.5) or ``ecdsa-sha256``."""
    certificates_pem: str
    """The signer's certificate first, then its chain, PEM."""
    fingerprint: str
    """SHA-256 (hex) of the signer's certificate (DER)."""

    def sign(self, data: bytes) -> bytes: ...


class Timestamper(Protocol):
    async def stamp(self, data: bytes) -> bytes:
        """An RFC 3161 time-stamp token (DER ContentInfo) over SHA-256 of ``data``.
        Raises any exception when the TSA cannot be used."""
        ...


def checkpoint_payload(
    *,
    node: str,
    entries: int,
    head: str,
    at: datetime,
    reason: str,
    previous: str | None,
    signer: str,
) -> str:
    """The exact text that is signed (canonical JSON, keys sorted)."""
    return json.dumps(
        {
            "type": PAYLOAD_TYPE,
            "version": PAYLOAD_VERSION,
            "node": node,
            "entries": entries,
            "head": head,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "reason": reason,
            "previous": previous,
            "signer": signer,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def payload_digest(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the auditor's check


@dataclass(frozen=True)
class SignatureFacts:
    """What the signing side established about one checkpoint's signature and timestamp."""

    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    signer: str | None = None
    """The signer's certificate subject, for the report."""
    timestamp: datetime | None = None
    """The TSA's time, when a valid timestamp was found."""


SignatureCheck = Callable[[Checkpoint, Any], SignatureFacts]
"""Checks one checkpoint given its parsed payload."""


@dataclass
class CheckpointFinding:
    id: int
    entries: int
    head: str
    at: str
    reason: str
    signer: str | None = None
    timestamp: str | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entries": self.entries,
            "head": self.head,
            "at": self.at,
            "reason": self.reason,
            "signer": self.signer,
            "timestamp": self.timestamp,
            "valid": not self.problems,
            "problems": self.problems,
            "warnings": self.warnings,
        }


@dataclass
class ExportFindings:
    entries: int
    first_broken_link: int | None
    chain_detail: str
    checkpoints: list[CheckpointFinding]
    problems: list[str]
    warnings: list[str]
    covered: int
    """Entries covered by a valid checkpoint."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "covered_by_checkpoint": self.covered,
            "first_broken_link": self.first_broken_link,
            "chain": self.chain_detail,
            "problems": self.problems,
            "warnings": self.warnings,
            "checkpoints": [c.as_dict() for c in self.checkpoints],
        }


def _parse_payload(checkpoint: Checkpoint) -> tuple[dict[str, Any] | None, str | None]:
    try:
        data = json.loads(checkpoint.payload)
    except ValueError:
        return None, "its signed payload is not JSON"
    if not isinstance(data, dict) or data.get("type") != PAYLOAD_TYPE:
        return None, "its signed payload is not a lienthong audit checkpoint"
    if data.get("version") != PAYLOAD_VERSION:
        return None, f"its payload version {data.get('version')!r} is not supported"
    entries, head = data.get("entries"), data.get("head")
    if not isinstance(entries, int) or isinstance(entries, bool) or entries < 0:
        return None, "its payload has no entry count"
    if not isinstance(head, str):
        return None, "its payload has no head hash"
    if (entries, head) != (checkpoint.entries, checkpoint.head):
        return None, "its stored entry count or head differs from what was signed"
    return data, None


def check_export(
    entries: Iterable[AuditEntry],
    checkpoints: Sequence[Checkpoint],
    signatures: SignatureCheck,
) -> ExportFindings:
    """Check the chain, then each checkpoint against it (and its signature).

    A problem is anything that shows tampering or an untrusted statement: a
    broken link, a checkpoint whose signature, signer or timestamp is not
    valid, a checkpoint covering entries the export lacks (missing tail), a
    checkpoint whose head is not the chain's entry at that position (the
    chain was rewritten), a checkpoint naming a previous one that is missing.
    """
    verifier = ChainVerifier()
    hashes: dict[int, str] = {}
    for entry in entries:
        verifier.feed(entry)
        hashes[entry.seq] = entry.hash
    chain = verifier.result()
    count = chain.entries
    problems: list[str] = []
    warnings: list[str] = []
    if not chain.intact:
        problems.append(f"broken link at entry {chain.first_bad_entry}: {chain.detail}")
    digests = {payload_digest(c.payload) for c in checkpoints}
    findings: list[CheckpointFinding] = []
    covered = 0
    for checkpoint in checkpoints:
        finding = CheckpointFinding(
            checkpoint.id,
            checkpoint.entries,
            checkpoint.head,
            checkpoint.at.astimezone(UTC).isoformat(),
            checkpoint.reason,
        )
        findings.append(finding)
        data, bad = _parse_payload(checkpoint)
        if data is None:
            finding.problems.append(bad or "unreadable payload")
        else:
            facts = signatures(checkpoint, data)
            finding.problems += facts.problems
            finding.warnings += facts.warnings
            finding.signer = facts.signer
            finding.timestamp = facts.timestamp.isoformat() if facts.timestamp else None
            previous = data.get("previous")
            if previous is not None and previous not in digests:
                finding.problems.append("the checkpoint before it is missing (deleted checkpoint)")
        if checkpoint.entries > count:
            finding.problems.append(
                f"missing tail: it covers {checkpoint.entries} entries, the export holds {count}"
            )
        elif checkpoint.entries > 0 and hashes.get(checkpoint.entries) != checkpoint.head:
            finding.problems.append(
                f"entry {checkpoint.entries} is not the one signed: the chain was rewritten"
            )
        if not finding.problems:
            covered = max(covered, checkpoint.entries)
        for problem in finding.problems:
            problems.append(f"checkpoint {checkpoint.id}: {problem}")
    if not checkpoints:
        problems.append(
            "no signed checkpoint: a cut tail or a recomputed chain could not be detected"
        )
    elif count > covered:
        warnings.append(
            f"{count - covered} entries after the last valid checkpoint are not covered yet"
        )
    return ExportFindings(
        entries=count,
        first_broken_link=chain.first_bad_entry,
        chain_detail=chain.detail,
        checkpoints=findings,
        problems=problems,
        warnings=warnings,
        covered=covered,
    )
