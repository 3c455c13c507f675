"""The verification report: frozen dataclasses with separate facts, as JSON or text.

One :class:`SignatureReport` per signature (XML-DSig on the envelope, or a
signature inside a PDF attachment). Facts are kept apart — intact, valid,
trusted, revoked, weak_algorithm, covers_whole_document — as pyHanko does.
``problems`` are what makes a signature fail under the policy used;
``warnings`` are worth a reader's attention but do not fail it. The JSON form
(:meth:`DocumentReport.as_dict`) is stable: keys are only ever added.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from signing.identity import SignerInfo
from signing.policy import VerificationPolicy

REPORT_VERSION = 1


class SignatureKind(enum.StrEnum):
    XML = "xml-dsig"
    PDF = "pdf"


@dataclass(frozen=True)
class SignatureReport:
    index: int
    """1-based position among the envelope's (or the attachment's) signatures."""
    kind: SignatureKind
    intact: bool
    """The signed content is unchanged (digests match)."""
    valid: bool
    """The signature value verifies with the certificate's key."""
    trusted: bool
    """Intact, valid, and the certificate chains to a trust anchor under the policy."""
    revoked: bool
    weak_algorithm: bool
    covers_whole_document: bool
    signer: SignerInfo | None
    signed_at: datetime | None
    signed_at_source: str | None
    algorithm: str | None
    revoked_at: datetime | None = None
    modification_level: str | None = None
    """PDF only: what changed after signing (none, form filling, other...)."""
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        if self.ok:
            return "VALID"
        if self.revoked:
            return "REVOKED"
        if self.intact and self.valid:
            return "UNTRUSTED"
        return "INVALID"

    def as_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "kind": self.kind.value,
            "verdict": self.verdict,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "revoked": self.revoked,
            "revoked_at": _iso(self.revoked_at),
            "weak_algorithm": self.weak_algorithm,
            "covers_whole_document": self.covers_whole_document,
            "algorithm": self.algorithm,
            "signer": self.signer.as_dict() if self.signer else None,
            "signed_at": _iso(self.signed_at),
            "signed_at_source": self.signed_at_source,
            "modification_level": self.modification_level,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class AttachmentReport:
    name: str
    content_id: str | None
    content_type: str | None
    size: int
    signatures: tuple[SignatureReport, ...] = ()
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and all(s.ok for s in self.signatures)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "content_id": self.content_id,
            "content_type": self.content_type,
            "size": self.size,
            "ok": self.ok,
            "signatures": [s.as_dict() for s in self.signatures],
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class DocumentReport:
    path: str
    validation_time: datetime
    policy: VerificationPolicy
    signatures: tuple[SignatureReport, ...]
    attachments: tuple[AttachmentReport, ...] = ()
    attachments_from_verified_content: bool = False
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return (
            not self.problems
            and all(s.ok for s in self.signatures)
            and all(a.ok for a in self.attachments)
        )

    @property
    def weak_algorithm(self) -> bool:
        every = [*self.signatures, *(s for a in self.attachments for s in a.signatures)]
        return any(s.weak_algorithm for s in every)

    @property
    def signer_organs(self) -> tuple[str, ...]:
        """Organ ids of the envelope signatures that passed, in order, without repeats."""
        organs = (
            s.signer.organ_id for s in self.signatures if s.ok and s.signer and s.signer.organ_id
        )
        return tuple(dict.fromkeys(organs))

    def reasons(self) -> tuple[str, ...]:
        """Every reason for refusal, one sentence each."""
        out = list(self.problems)
        for sig in self.signatures:
            out.extend(f"signature {sig.index}: {p}" for p in sig.problems)
        for att in self.attachments:
            out.extend(f"attachment {att.name!r}: {p}" for p in att.problems)
            for sig in att.signatures:
                out.extend(
                    f"attachment {att.name!r} signature {sig.index}: {p}" for p in sig.problems
                )
        return tuple(out)

    def as_dict(self) -> dict[str, object]:
        return {
            "version": REPORT_VERSION,
            "path": self.path,
            "accepted": self.accepted,
            "validation_time": self.validation_time.isoformat(),
            "policy": self.policy.as_dict(),
            "signer_organs": list(self.signer_organs),
            "weak_algorithm": self.weak_algorithm,
            "signatures": [s.as_dict() for s in self.signatures],
            "attachments_from_verified_content": self.attachments_from_verified_content,
            "attachments": [a.as_dict() for a in self.attachments],
            "problems": list(self.problems),
            "warnings": list(self.warnings),
            "reasons": list(self.reasons()),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
