"""What a verifier trusts and demands: one frozen policy object, built from config.

The policy is separate from what a verification fetched or found (the report):
the same report can be judged under a strict node policy or a lenient auditor
policy (pyHanko keeps trust policy and validation context apart the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from node.modes import PdfMode, RevocationMode
from node.organ import OrganPattern


@dataclass(frozen=True)
class VerificationPolicy:
    """Trust anchors, revocation data and demands for one verifier.

    ``trust_dir`` holds CA certificates (``*.pem``, ``*.crt``, ``*.cer``, PEM or
    DER; only CA certificates become anchors, so a test PKI directory works) and
    CRLs (``*.crl``). ``crl_files`` adds more CRLs (auditors work offline with
    them). ``fetch`` allows fetching CRLs and OCSP responses over the network
    from the URLs in certificates; it is never used with a fixed ``--at`` time.
    ``allow_legacy`` accepts SHA-1 and short keys (still reported as weak).
    ``require_signature``: an envelope without any XML signature is refused.
    ``require_signed_pdf``: a PDF attachment without any signature is refused.
    ``signers_for``: who may sign for whom, as (signer organ id, organ-id
    pattern of the senders it may sign for) pairs. A signature binds the
    sender when the signer's organ (the certificate's UID) is the sender
    (``From/OrganId``) or a pair allows it; at least one passing envelope
    signature must bind the sender, else the envelope is refused.
    """

    trust_dir: Path | None = None
    crl_files: tuple[Path, ...] = ()
    revocation: RevocationMode = RevocationMode.HARD_FAIL
    fetch: bool = False
    allow_legacy: bool = False
    require_signature: bool = True
    pdf: PdfMode = PdfMode.ENFORCE
    require_signed_pdf: bool = False
    signers_for: tuple[tuple[str, str], ...] = ()

    def may_sign_for(self, signer: str, sender: str) -> bool:
        """True when a signature by ``signer``'s organ binds the sender ``sender``."""
        if signer == sender:
            return True
        return any(
            who == signer and OrganPattern.parse(pattern).matches(sender)
            for who, pattern in self.signers_for
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "trust_dir": str(self.trust_dir) if self.trust_dir else None,
            "crl_files": [str(p) for p in self.crl_files],
            "revocation": self.revocation.value,
            "fetch": self.fetch,
            "allow_legacy": self.allow_legacy,
            "require_signature": self.require_signature,
            "pdf": self.pdf.value,
            "require_signed_pdf": self.require_signed_pdf,
            "signers_for": [f"{who}={pattern}" for who, pattern in self.signers_for],
        }
