"""Signatures inside PDF attachments, checked with pyHanko (domain §5, NĐ 30/2020).

For each embedded signature: intact, valid, signer, signing time, whether it
covers the whole file and, if not, what changed after signing (pyHanko's
difference analysis and modification level). Trust is decided by
:mod:`signing.certcheck` with the same policy as envelope signatures, so the
two kinds of signature are judged alike. Seal and signature images are not
judged.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime
from typing import BinaryIO

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel

from node.modes import PdfMode, RevocationMode
from signing.certcheck import SIGNING_KEY_USAGE, CertChecker, close_context, validation_context
from signing.identity import SignerInfo
from signing.report import AttachmentReport, SignatureKind, SignatureReport

_WEAK_DIGESTS = frozenset({"md5", "sha1"})


async def check_pdf(
    name: str,
    content_id: str | None,
    content_type: str | None,
    data: bytes | BinaryIO,
    checker: CertChecker,
) -> AttachmentReport:
    """Check every signature of one PDF attachment. Under ``PdfMode.REPORT`` the
    problems found are reported as warnings."""
    policy = checker.policy
    signatures: list[SignatureReport] = []
    problems: list[str] = []
    warnings: list[str] = []
    try:
        stream = io.BytesIO(data) if isinstance(data, bytes) else data  # a spooled file
        reader = PdfFileReader(stream, strict=False)
        embedded = reader.embedded_regular_signatures
    except Exception as exc:  # noqa: BLE001 - pyHanko on hostile input; report, never crash
        problems.append(f"not a readable PDF ({type(exc).__name__}: {exc})")
        embedded = []
    if not embedded and not problems:
        (problems if policy.require_signed_pdf else warnings).append("the PDF is not signed")
    for index, sig in enumerate(embedded, start=1):
        signatures.append(await _check_signature(index, sig, checker))
    if policy.pdf is PdfMode.REPORT:
        warnings = [*problems, *warnings]
        problems = []
        signatures = [_as_warnings(s) for s in signatures]
    return AttachmentReport(
        name=name,
        content_id=content_id,
        content_type=content_type,
        size=len(data) if isinstance(data, bytes) else data.seek(0, io.SEEK_END),
        signatures=tuple(signatures),
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def _as_warnings(report: SignatureReport) -> SignatureReport:
    return replace(report, problems=(), warnings=(*report.problems, *report.warnings))


async def _check_signature(
    index: int,
    sig: object,
    checker: CertChecker,
) -> SignatureReport:
    policy = checker.policy
    context = validation_context(
        policy, checker.material, checker.at, revocation=RevocationMode.OFF
    )
    try:
        status: PdfSignatureStatus = await async_validate_pdf_signature(
            sig,  # type: ignore[arg-type]
            signer_validation_context=context,
            key_usage_settings=SIGNING_KEY_USAGE,
        )
    except Exception as exc:  # noqa: BLE001 - pyHanko on hostile input; report, never crash
        return _broken(index, f"the signature cannot be checked ({type(exc).__name__}: {exc})")
    finally:
        await close_context(context)
    leaf = x509.load_der_x509_certificate(status.signing_cert.dump())
    others = [
        x509.load_der_x509_certificate(c.dump()) for c in getattr(sig, "other_embedded_certs", [])
    ]
    problems: list[str] = []
    if not status.intact:
        problems.append("the PDF content was altered after signing (digest mismatch)")
    if not status.valid:
        problems.append("the signature value does not verify with the certificate's key")
    cert = await checker.check(leaf, others)
    problems.extend(cert.problems)
    warnings = list(cert.warnings)
    _judge_coverage(status, problems, warnings)
    weak = status.md_algorithm.lower() in _WEAK_DIGESTS
    if weak:
        reason = f"weak digest algorithm {status.md_algorithm}"
        if policy.allow_legacy:
            warnings.append(f"{reason} (accepted: legacy algorithms allowed)")
        else:
            problems.append(f"{reason} is not accepted (allowed only with --allow-legacy)")
    signed_at, source = _signing_time(status)
    level = status.modification_level
    return SignatureReport(
        index=index,
        kind=SignatureKind.PDF,
        intact=status.intact,
        valid=status.valid,
        trusted=status.intact and status.valid and cert.trusted,
        revoked=cert.revoked,
        revoked_at=cert.revoked_at,
        weak_algorithm=weak or cert.weak_algorithm,
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=SignerInfo.of(leaf),
        signed_at=signed_at,
        signed_at_source=source,
        algorithm=f"{status.pkcs7_signature_mechanism}/{status.md_algorithm}",
        modification_level=level.name.lower() if level is not None else None,
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def _judge_coverage(status: PdfSignatureStatus, problems: list[str], warnings: list[str]) -> None:
    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append("the signature does not cover its revision of the PDF (unusual byte range)")
        return
    level = status.modification_level
    described = level.name.lower().replace("_", " ") if level is not None else "unknown"
    if status.docmdp_ok and level in (
        ModificationLevel.LTA_UPDATES,
        ModificationLevel.FORM_FILLING,
    ):
        warnings.append(f"the PDF was extended after this signature ({described}), as allowed")
    else:
        problems.append(f"the PDF was modified after signing (modifications: {described})")


def _signing_time(status: PdfSignatureStatus) -> tuple[datetime | None, str | None]:
    stamp = status.timestamp_validity
    if stamp is not None and stamp.intact and stamp.valid:
        return stamp.timestamp, "timestamp token"
    if status.signer_reported_dt is not None:
        return status.signer_reported_dt, "reported by the signer"
    return None, None


def _broken(index: int, problem: str) -> SignatureReport:
    return SignatureReport(
        index=index,
        kind=SignatureKind.PDF,
        intact=False,
        valid=False,
        trusted=False,
        revoked=False,
        weak_algorithm=False,
        covers_whole_document=False,
        signer=None,
        signed_at=None,
        signed_at_source=None,
        algorithm=None,
        problems=(problem,),
    )
