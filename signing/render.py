"""A verification report as text an auditor reads top to bottom."""

from __future__ import annotations

from datetime import datetime

from signing.report import AttachmentReport, DocumentReport, SignatureKind, SignatureReport


def _yes(value: bool) -> str:
    return "yes" if value else "NO"


def _when(value: datetime | None) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value else "-"


def render_text(report: DocumentReport) -> str:
    verdict = "VALID" if report.accepted else "NOT VALID"
    policy = report.policy
    lines = [
        f"{report.path}: {verdict}",
        f"  checked at {_when(report.validation_time)}; revocation {policy.revocation.value}, "
        f"legacy algorithms {'allowed' if policy.allow_legacy else 'refused'}",
    ]
    lines.extend(f"  problem: {p}" for p in report.problems)
    lines.extend(f"  warning: {w}" for w in report.warnings)
    if not report.signatures:
        lines.append("  envelope: no XML signature")
    for sig in report.signatures:
        lines.extend(_signature(sig, "envelope signature", indent="  "))
    for att in report.attachments:
        lines.extend(_attachment(att, report.attachments_from_verified_content))
    return "\n".join(lines) + "\n"


def _signature(sig: SignatureReport, label: str, indent: str) -> list[str]:
    inner = indent + "  "
    lines = [f"{indent}{label} {sig.index}: {sig.verdict}"]
    if sig.signer is not None:
        lines.append(f"{inner}signer:    {sig.signer.label()}")
        lines.append(f"{inner}issuer:    {sig.signer.issuer}")
        lines.append(
            f"{inner}cert:      serial {sig.signer.serial}, valid "
            f"{sig.signer.not_before:%Y-%m-%d} to {sig.signer.not_after:%Y-%m-%d}"
        )
    lines.append(f"{inner}algorithm: {sig.algorithm or '-'}")
    source = f" ({sig.signed_at_source})" if sig.signed_at_source else ""
    lines.append(f"{inner}signed at: {_when(sig.signed_at)}{source}")
    revoked = f"yes, {_when(sig.revoked_at)}" if sig.revoked else "no"
    lines.append(
        f"{inner}intact: {_yes(sig.intact)}  valid: {_yes(sig.valid)}  "
        f"trusted: {_yes(sig.trusted)}  revoked: {revoked}"
    )
    whole = "file" if sig.kind is SignatureKind.PDF else "document"
    lines.append(
        f"{inner}weak algorithm: {'YES' if sig.weak_algorithm else 'no'}  "
        f"covers whole {whole}: {'yes' if sig.covers_whole_document else 'no'}"
    )
    if sig.modification_level is not None:
        lines.append(f"{inner}modified after signing: {sig.modification_level}")
    lines.extend(f"{inner}problem: {p}" for p in sig.problems)
    lines.extend(f"{inner}warning: {w}" for w in sig.warnings)
    return lines


def _attachment(att: AttachmentReport, verified: bool) -> list[str]:
    origin = "" if verified else " (from an unsigned envelope)"
    count = len(att.signatures)
    lines = [
        f"  attachment {att.name!r} ({att.content_type or 'no type'}, {att.size} bytes)"
        f"{origin}: {count} signature{'s' if count != 1 else ''}"
        f"{'' if att.ok else ', NOT VALID'}"
    ]
    lines.extend(f"    problem: {p}" for p in att.problems)
    lines.extend(f"    warning: {w}" for w in att.warnings)
    for sig in att.signatures:
        lines.extend(_signature(sig, "PDF signature", indent="    "))
    return lines
