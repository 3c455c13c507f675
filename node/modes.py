"""The named choices more than one layer speaks of, each defined once.

The configuration reads them from ``node.toml``, the engine, the signing
package and the adapters act on them; all import them from here, so a value
the config accepts is the very member the engine and verifier compare against
(no ``Mode(other.value)`` translations at the seams).
"""

from __future__ import annotations

import enum


class SigningMode(enum.StrEnum):
    """Who applies an organ's signature (ký số tổ chức)."""

    NODE = "node"
    """The node signs the organ's messages with the organ's key (KeyRing)."""
    DMS = "dms"
    """The organ's DMS signs; the node verifies (Verifier) and refuses what fails."""


class RevocationMode(enum.StrEnum):
    """How revocation (CRL, OCSP) is checked for every certificate of a path.

    ``hard-fail``: a certificate's revocation status must be established from
    a CRL or OCSP response (local files, or fetched when ``fetch`` is on);
    otherwise the signature is not trusted.
    ``soft-fail``: use whatever revocation data is available; a revoked
    certificate still fails, but missing or unreachable data only warns.
    ``off``: no revocation checking at all.
    """

    HARD_FAIL = "hard-fail"
    SOFT_FAIL = "soft-fail"
    OFF = "off"


class PdfMode(enum.StrEnum):
    """What signatures inside PDF attachments mean for the verdict."""

    ENFORCE = "enforce"
    """Every signature in a PDF attachment must be valid and trusted."""
    REPORT = "report"
    """PDF signatures are checked and reported, never refused."""
    OFF = "off"
    """PDF attachments are not opened."""


class AdminRole(enum.StrEnum):
    """What an admin token may do."""

    OPERATOR = "operator"
    """Read and resend."""
    AUDITOR = "auditor"
    """Read only."""
