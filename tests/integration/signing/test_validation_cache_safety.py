"""The path-validation cache never changes a verdict: revoked stays revoked, and
an entry answers only for its own policy and trust material."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from node.modes import RevocationMode
from node.ports.driven import SystemClock
from signing.certcheck import CertChecker, ValidationCache
from signing.keys import load_certificates
from signing.pki import TestPki
from signing.policy import VerificationPolicy
from signing.trust import load_material
from signing.verifier import DocumentVerifier
from tests.signing_support import SENDER, sample_document, signer_for, signer_from


def _check(checker: CertChecker, cert: Path) -> tuple[bool, bool]:
    leaf = load_certificates(cert)[0]
    facts = asyncio.run(checker.check(leaf))
    return facts.trusted, facts.revoked


def test_revoked_is_still_revoked_when_cached(pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "revoked.edxml"
    path.write_bytes(signer_from(pki.revoked.cert, pki.revoked.key).sign(sample_document()))
    verifier = DocumentVerifier(VerificationPolicy(trust_dir=pki.directory))

    first, second = verifier.report(path), verifier.report(path)  # the second from the cache

    for report in (first, second):
        (sig,) = report.signatures
        assert sig.revoked
        assert not sig.trusted
        assert not report.accepted


def test_entries_never_cross_policies(pki: TestPki) -> None:
    cache = ValidationCache(SystemClock(), ttl=timedelta(hours=1))
    material = load_material(pki.directory, ())
    lenient = CertChecker(
        VerificationPolicy(trust_dir=pki.directory, revocation=RevocationMode.OFF),
        material,
        None,
        cache,
    )
    strict = CertChecker(VerificationPolicy(trust_dir=pki.directory), material, None, cache)

    assert _check(lenient, pki.revoked.cert) == (True, False)  # revocation not checked
    assert _check(strict, pki.revoked.cert) == (False, True)
    assert _check(lenient, pki.revoked.cert) == (True, False)


def test_entries_never_cross_trust_material(pki: TestPki, tmp_path: Path) -> None:
    cache = ValidationCache(SystemClock(), ttl=timedelta(hours=1))
    policy = VerificationPolicy(trust_dir=pki.directory, revocation=RevocationMode.SOFT_FAIL)
    without_crl = tmp_path / "ca-only"
    without_crl.mkdir()
    (without_crl / "ca.pem").write_bytes(pki.ca_cert.read_bytes())
    before = CertChecker(policy, load_material(without_crl, ()), None, cache)
    after = CertChecker(policy, load_material(pki.directory, ()), None, cache)

    assert _check(before, pki.revoked.cert) == (True, False)  # no CRL yet: soft-fail
    assert _check(after, pki.revoked.cert) == (False, True)  # the CRL arrived
    assert _check(after, pki.organ(SENDER).cert) == (True, False)


def test_a_valid_signature_verifies_from_the_cache(pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "ok.edxml"
    path.write_bytes(signer_for(pki, SENDER).sign(sample_document()))
    verifier = DocumentVerifier(VerificationPolicy(trust_dir=pki.directory))

    assert verifier.verify(path).accepted
    assert verifier.verify(path).accepted
    path.write_bytes(path.read_bytes().replace(b"UBND", b"UBNX", 1))  # tampered, same cert
    outcome = verifier.verify(path)
    assert not outcome.accepted
