"""Certificate path validation with pyhanko-certvalidator, under our policy.

Checked for the signer's certificate at the validation time (``--at`` or now):
a path to a configured trust anchor, validity periods, key usage
(digitalSignature or nonRepudiation), revocation (CRL/OCSP, see
:class:`~signing.policy.RevocationMode`) and algorithm strength of the path.

Revocation data is treated as retroactively valid (``retroactive_revinfo``):
an auditor checking an old document with today's CRL learns whether and
*when* the certificate was revoked, which is what matters.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    DisallowedAlgorithmError,
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.policy_decl import (
    DEFAULT_WEAK_HASH_ALGOS,
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from node.modes import RevocationMode
from node.ports.driven import Clock
from signing.policy import VerificationPolicy
from signing.trust import TrustMaterial

SIGNING_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)
"""An organisation signing certificate must allow digitalSignature or nonRepudiation."""

LEGACY_WEAK_HASHES = frozenset({"md2", "md5"})


@dataclass(frozen=True)
class CertFacts:
    """What path validation established about one signer certificate."""

    trusted: bool
    revoked: bool = False
    revoked_at: datetime | None = None
    weak_algorithm: bool = False
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _rule(mode: RevocationMode) -> RevocationCheckingRule:
    if mode is RevocationMode.OFF:
        return RevocationCheckingRule.NO_CHECK
    return RevocationCheckingRule.CRL_OR_OCSP_REQUIRED


def validation_context(
    policy: VerificationPolicy,
    material: TrustMaterial,
    at: datetime | None,
    *,
    other_certs: Iterable[x509.Certificate] = (),
    revocation: RevocationMode | None = None,
) -> ValidationContext:
    """A fresh pyhanko-certvalidator context for one verification."""
    rule = _rule(revocation or policy.revocation)
    return ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(der) for der in material.anchors],
        other_certs=[asn1_cert(c) for c in other_certs],
        moment=at,
        allow_fetching=policy.fetch and at is None,
        crls=list(material.crls),
        ocsps=[],
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy(rule, rule), retroactive_revinfo=True
        ),
        weak_hash_algos=LEGACY_WEAK_HASHES if policy.allow_legacy else DEFAULT_WEAK_HASH_ALGOS,
    )


_REVINFO_MISSING = "revocation status could not be established"
_REVINFO_MISSING_DETAIL = (
    f"{_REVINFO_MISSING}: no CRL or OCSP response covers the certificate "
    "(add the CA's CRL to the trust directory or with --crl)"
)


def _revoked(exc: RevokedError) -> CertFacts:
    when = exc.revocation_dt
    source = "OCSP" if exc.failure_msg.startswith("OCSP") else "CRL"
    reason = str(exc.reason.native or "unspecified").replace("_", " ")
    subject = "certificate" if exc.is_ee_cert else "a CA certificate in its path"
    return CertFacts(
        trusted=False,
        revoked=True,
        revoked_at=when,
        problems=(f"{subject} revoked on {when:%Y-%m-%d %H:%M} UTC ({source}; reason: {reason})",),
    )


def _malformed(exc: Exception) -> CertFacts:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return CertFacts(
        trusted=False, problems=(f"certificate in KeyInfo is not valid DER/X.509: {reason}",)
    )


async def close_context(context: ValidationContext) -> None:
    """Release what the context may have opened for fetching."""
    closer: Any = context
    await closer.aclose()


async def check_certificate(
    leaf: x509.Certificate,
    others: Sequence[x509.Certificate],
    *,
    policy: VerificationPolicy,
    material: TrustMaterial,
    at: datetime | None,
) -> CertFacts:
    """Validate ``leaf`` (with ``others`` as candidate intermediates) under ``policy``."""
    if not material.anchors:
        return CertFacts(trusted=False, problems=("no trust anchors are configured (--trust)",))
    facts = await _validate(leaf, others, policy, material, at, policy.revocation)
    if (
        policy.revocation is RevocationMode.SOFT_FAIL
        and not facts.trusted
        and facts.problems
        and facts.problems[0].startswith(_REVINFO_MISSING)
    ):
        relaxed = await _validate(leaf, others, policy, material, at, RevocationMode.OFF)
        warning = facts.problems[0] + " (accepted: soft-fail)"
        return CertFacts(
            trusted=relaxed.trusted,
            weak_algorithm=relaxed.weak_algorithm,
            problems=relaxed.problems,
            warnings=(*relaxed.warnings, warning),
        )
    return facts


async def _validate(
    leaf: x509.Certificate,
    others: Sequence[x509.Certificate],
    policy: VerificationPolicy,
    material: TrustMaterial,
    at: datetime | None,
    revocation: RevocationMode,
) -> CertFacts:
    try:
        context = validation_context(
            policy, material, at, other_certs=others, revocation=revocation
        )
        validator = CertificateValidator(asn1_cert(leaf), validation_context=context)
    except (ValueError, TypeError) as exc:  # asn1crypto on a malformed certificate
        return _malformed(exc)
    try:
        await validator.async_validate_path()
        SIGNING_KEY_USAGE.validate(asn1_cert(leaf))
    except RevokedError as exc:
        return _revoked(exc)
    except InsufficientRevinfoError:
        return CertFacts(trusted=False, problems=(_REVINFO_MISSING_DETAIL,))
    except ExpiredError as exc:
        return CertFacts(
            trusted=False, problems=(f"certificate expired on {exc.expired_dt:%Y-%m-%d}",)
        )
    except NotYetValidError as exc:
        return CertFacts(
            trusted=False, problems=(f"certificate not valid before {exc.valid_from:%Y-%m-%d}",)
        )
    except DisallowedAlgorithmError as exc:
        return CertFacts(
            trusted=False,
            weak_algorithm=True,
            problems=(f"weak algorithm in certificate path: {exc.failure_msg}",),
        )
    except PathBuildingError:
        return CertFacts(trusted=False, problems=("certificate does not chain to a trusted root",))
    except InvalidCertificateError as exc:
        return CertFacts(trusted=False, problems=(f"certificate not usable: {exc.failure_msg}",))
    except (PathValidationError, ValidationError) as exc:
        return CertFacts(trusted=False, problems=(f"certificate path invalid: {exc.failure_msg}",))
    except (ValueError, TypeError) as exc:  # asn1crypto parses lazily, deep inside
        return _malformed(exc)
    finally:
        await close_context(context)
    return CertFacts(trusted=True)


# --------------------------------------------------------------------------- caching

_CacheKey = tuple[VerificationPolicy, bytes, tuple[bytes, ...], datetime | None]


class ValidationCache:
    """Path-validation results per certificate for ``ttl`` (thread-safe).

    Path validation costs far more than the signature check itself (name
    comparisons, CRL processing), and a node sees the same few organisation
    certificates all day. Entries are keyed by the policy, the certificates
    and the validation time (``None`` = now), live ``ttl`` at most, and belong
    to one trust material: they are dropped whenever it is reloaded (a fresh
    CRL takes effect at once) and never answer for another.
    """

    def __init__(
        self, clock: Clock, ttl: timedelta = timedelta(minutes=1), max_entries: int = 1024
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._lock = threading.Lock()
        self._material: TrustMaterial | None = None
        self._entries: dict[_CacheKey, tuple[datetime, CertFacts]] = {}

    def get(self, material: TrustMaterial, key: _CacheKey) -> CertFacts | None:
        with self._lock:
            if material is not self._material:
                return None
            entry = self._entries.get(key)
            if entry is None or entry[0] <= self._clock.now():
                return None
            return entry[1]

    def put(self, material: TrustMaterial, key: _CacheKey, facts: CertFacts) -> None:
        with self._lock:
            if material is not self._material:
                self._material = material
                self._entries.clear()
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = (self._clock.now() + self._ttl, facts)


@functools.lru_cache(maxsize=512)
def _fingerprint(cert: x509.Certificate) -> bytes:
    """Remembered per certificate object (KeyInfo parsing hands out the same
    objects for the same certificates, :func:`signing.signedinfo.certificates_of`)."""
    return cert.fingerprint(hashes.SHA256())


@dataclass(frozen=True)
class CertChecker:
    """Validates signer certificates for one verification: policy, trust material,
    validation time (None = now) and an optional shared cache."""

    policy: VerificationPolicy
    material: TrustMaterial
    at: datetime | None
    cache: ValidationCache | None = None

    async def check(
        self, leaf: x509.Certificate, others: Sequence[x509.Certificate] = ()
    ) -> CertFacts:
        key = (self.policy, _fingerprint(leaf), tuple(_fingerprint(c) for c in others), self.at)
        if self.cache is not None:
            cached = self.cache.get(self.material, key)
            if cached is not None:
                return cached
        facts = await check_certificate(
            leaf, others, policy=self.policy, material=self.material, at=self.at
        )
        if self.cache is not None:
            self.cache.put(self.material, key, facts)
        return facts
