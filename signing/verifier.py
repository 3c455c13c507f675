"""The document verifier: every signature of an envelope and of its PDF attachments.

:class:`DocumentVerifier` implements :class:`node.ports.driven.Verifier` for the node
and backs ``lienthong verify`` for auditors. The work is async (pyHanko is):
:meth:`DocumentVerifier.averify` awaits it on the caller's loop (the node, for
a small message); :meth:`DocumentVerifier.verify` and
:meth:`DocumentVerifier.report` are the thin sync wrappers, meant to run in an
executor thread (CPU-bound) or the CLI, each on a private loop of its thread.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import threading
from datetime import datetime
from pathlib import Path

from lxml import etree

from node import xmlsafe
from node.errors import LienthongError, MalformedXml, UnsafeXml
from node.modes import PdfMode
from node.ports.driven import Clock, SystemClock, VerificationOutcome
from signing.certcheck import CertChecker, ValidationCache
from signing.envelope import attachments, find_header, sender_of
from signing.pdfcheck import check_pdf
from signing.policy import VerificationPolicy
from signing.report import AttachmentReport, DocumentReport, SignatureReport
from signing.streamverify import STREAM_AT, Streamed, verify_streamed
from signing.trust import TrustStore
from signing.xmlverify import verify_envelope_signatures


class DocumentUnreadable(LienthongError):
    """The file to verify cannot be read (CLI exit 2)."""

    kind = "document-unreadable"
    http_status = 400
    title = "Document unreadable"
    exit_code = 2


class DocumentVerifier:
    """Verifies documents under one :class:`VerificationPolicy`. Thread-safe."""

    def __init__(self, policy: VerificationPolicy, *, clock: Clock | None = None) -> None:
        self.policy = policy
        self._trust = TrustStore(policy.trust_dir, policy.crl_files)
        self._clock: Clock = clock or SystemClock()
        self._cache = ValidationCache(self._clock)

    def check_trust_store(self) -> None:
        """Load the trust store now, raising :class:`TrustStoreError` if unusable
        (the composition root calls this at start; ``/readyz`` may too)."""
        self._trust.material()

    def verify(self, path: Path | bytes, *, at: datetime | None = None) -> VerificationOutcome:
        """The node's verdict under its policy (:class:`node.ports.driven.Verifier`),
        from a thread that runs no event loop (a worker thread, the CLI)."""
        try:
            report = self.report(path, at=at)
        except (MalformedXml, UnsafeXml) as exc:
            return _unparsable(exc)
        return outcome_of(report)

    async def averify(
        self, path: Path | bytes, *, at: datetime | None = None
    ) -> VerificationOutcome:
        """:meth:`verify` on the running event loop (the node's, for a small
        message: no thread hop, no private loop)."""
        try:
            report = await self.async_report(path, at=at)
        except (MalformedXml, UnsafeXml) as exc:
            return _unparsable(exc)
        return outcome_of(report)

    def report(self, path: Path | bytes, *, at: datetime | None = None) -> DocumentReport:
        return _thread_loop().run_until_complete(self.async_report(path, at=at))

    async def async_report(
        self, path: Path | bytes, *, at: datetime | None = None
    ) -> DocumentReport:
        """The report on the file at ``path``, or on a small message in memory (bytes)."""
        if at is not None and at.tzinfo is None:
            raise ValueError("the validation time must be timezone-aware")
        checker = CertChecker(self.policy, self._trust.material(), at, self._cache)
        validation_time = at or self._clock.now()
        if isinstance(path, Path) and _size(path) >= STREAM_AT:  # big: never whole in memory
            streamed = await verify_streamed(
                path, checker, check_pdfs=self.policy.pdf is not PdfMode.OFF
            )
            if streamed is not None:
                return self._streamed_report(path, validation_time, streamed)
        data = path if isinstance(path, bytes) else _read(path)
        root = xmlsafe.parse_bytes(data, huge_tree=True).getroot()
        problems: list[str] = []
        warnings: list[str] = []
        if find_header(root) is None:
            problems.append("not an edXML envelope: edXML/edXMLEnvelope/edXMLHeader not found")
        xml = await verify_envelope_signatures(data, root, checker)
        del data  # the verified tree (if any) is all that is read from here on
        problems.extend(xml.problems)
        if xml.found == 0 and self.policy.require_signature:
            problems.append("the envelope carries no signature")
        # Attachments are read from what a signature verified, never from the
        # file as received; an unsigned envelope has nothing to wrap.
        source = xml.verified_root if xml.found else root
        if source is not None:
            problems.extend(_binding_problems(self.policy, xml.signatures, sender_of(source)))
        del root  # large documents: keep only the tree that is read from here on
        checked: tuple[AttachmentReport, ...] = ()
        if self.policy.pdf is not PdfMode.OFF:
            if source is None:
                warnings.append(
                    "PDF attachments were not checked: no intact envelope signature covers them"
                )
            else:
                checked = await self._check_attachments(source, checker)
        return DocumentReport(
            path=str(path) if isinstance(path, Path) else IN_MEMORY,
            validation_time=validation_time,
            policy=self.policy,
            signatures=xml.signatures,
            attachments=checked,
            attachments_from_verified_content=bool(xml.found) and source is not None,
            problems=tuple(problems),
            warnings=tuple(warnings),
        )

    def _streamed_report(
        self, path: Path, validation_time: datetime, streamed: Streamed
    ) -> DocumentReport:
        problems = list(streamed.problems)
        problems.extend(_binding_problems(self.policy, streamed.signatures, streamed.sender))
        if not streamed.found and self.policy.require_signature:
            problems.append("the envelope carries no signature")
        return DocumentReport(
            path=str(path),
            validation_time=validation_time,
            policy=self.policy,
            signatures=streamed.signatures,
            attachments=streamed.attachments,
            attachments_from_verified_content=streamed.from_verified
            and any(s.intact and s.valid for s in streamed.signatures),
            problems=tuple(problems),
            warnings=streamed.warnings,
        )

    async def _check_attachments(
        self, root: etree._Element, checker: CertChecker
    ) -> tuple[AttachmentReport, ...]:
        reports = []
        for ref in attachments(root):
            if not ref.is_pdf:
                continue
            try:
                data = base64.b64decode(ref.encoded())
            except (binascii.Error, ValueError):
                reports.append(
                    AttachmentReport(
                        name=ref.name,
                        content_id=ref.content_id,
                        content_type=ref.content_type,
                        size=0,
                        problems=("the attachment is not valid base64",),
                    )
                )
                continue
            reports.append(
                await check_pdf(ref.name, ref.content_id, ref.content_type, data, checker)
            )
        return tuple(reports)


class _ThreadLoop:
    """One event loop per thread for the sync wrappers, kept between calls:
    ``asyncio.run`` builds and tears down a loop each time (about 0.2 ms, more
    than checking a 1 KB document's signature). Closed with its thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        if not self.loop.is_closed():
            self.loop.close()


_loops = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    holder: _ThreadLoop | None = getattr(_loops, "holder", None)
    if holder is None or holder.loop.is_closed():
        holder = _loops.holder = _ThreadLoop()
    return holder.loop


IN_MEMORY = "(in memory)"
"""The report's ``path`` for a message verified from bytes."""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise DocumentUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DocumentUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None


def _binding_problems(
    policy: VerificationPolicy, signatures: tuple[SignatureReport, ...], sender: str | None
) -> list[str]:
    """A signature must bind the sender (issue 14): among the signatures that
    pass, one must be by the sender's organ, or by an organ the policy lets
    sign for it. A genuine signature of another organ (a department, a
    sibling unit) proves nothing about who sends."""
    passing = [s for s in signatures if s.ok]
    if not passing:
        return []  # already refused (or unsigned, and the policy allows that)
    if not sender:
        return ["the envelope names no sender (From/OrganId): no signature can bind it"]
    signers = [s.signer.organ_id for s in passing if s.signer and s.signer.organ_id]
    if any(policy.may_sign_for(signer, sender) for signer in signers):
        return []
    named = ", ".join(dict.fromkeys(signers)) or "certificates that name no organ id"
    return [
        f"no signature binds the sender {sender}: signed by {named}; the signer's organ "
        "must be the sender or be allowed to sign for it"
    ]


def _unparsable(exc: MalformedXml | UnsafeXml) -> VerificationOutcome:
    """A document that cannot be parsed is not verified: a refusal, not an error."""
    reason = f"the document cannot be parsed: {exc.detail}"
    return VerificationOutcome(accepted=False, reasons=(reason,), report={})


def outcome_of(report: DocumentReport) -> VerificationOutcome:
    return VerificationOutcome(
        accepted=report.accepted,
        reasons=report.reasons(),
        signer_organs=report.signer_organs,
        weak_algorithm=report.weak_algorithm,
        report=report.as_dict(),
    )
