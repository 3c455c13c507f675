"""Trust: untrusted root, expired, revoked (CRL), revocation policy, validation time."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from node.modes import RevocationMode
from signing.pki import TestPki
from tests.support.signing_fixtures import SENDER, Checker, sample_document, signer_for, signer_from

REVINFO_MISSING = (
    "revocation status could not be established: no CRL or OCSP response covers the "
    "certificate (add the CA's CRL to the trust directory or with --crl)"
)


@pytest.fixture(scope="module")
def revoked_doc(pki: TestPki) -> bytes:
    return signer_from(pki.revoked.cert, pki.revoked.key).sign(sample_document())


@pytest.fixture(scope="module")
def expired_doc(pki: TestPki) -> bytes:
    return signer_from(pki.expired.cert, pki.expired.key).sign(sample_document())


@pytest.fixture
def ca_only(pki: TestPki, tmp_path: Path) -> Path:
    """A trust directory with the CA certificate and no CRL."""
    directory = tmp_path / "ca-only"
    directory.mkdir()
    shutil.copy(pki.ca_cert, directory / "ca.pem")
    return directory


def test_untrusted_root(foreign_pki: TestPki, checker: Checker) -> None:
    report = checker.report(signer_for(foreign_pki, SENDER).sign(sample_document()))

    (sig,) = report.signatures
    assert sig.intact
    assert sig.valid
    assert not sig.trusted
    assert report.reasons() == ("signature 1: certificate does not chain to a trusted root",)


def test_expired_certificate(expired_doc: bytes, pki: TestPki, checker: Checker) -> None:
    report = checker.report(expired_doc)

    (sig,) = report.signatures
    assert sig.signer is not None
    expected = f"signature 1: certificate expired on {sig.signer.not_after:%Y-%m-%d}"
    assert report.reasons() == (expected,)
    assert sig.intact
    assert sig.valid
    assert not sig.trusted


def test_expired_certificate_is_valid_at_a_time_inside_its_validity(
    expired_doc: bytes, checker: Checker
) -> None:
    signer = checker.report(expired_doc).signatures[0].signer
    assert signer is not None
    during = signer.not_before + (signer.not_after - signer.not_before) / 2

    report = checker.report(expired_doc, at=during)

    assert report.accepted, report.reasons()
    assert report.validation_time == during


def test_revoked_certificate_by_crl(revoked_doc: bytes, pki: TestPki, checker: Checker) -> None:
    report = checker.report(revoked_doc)

    (sig,) = report.signatures
    assert sig.revoked
    assert not sig.trusted
    assert sig.revoked_at is not None
    assert abs(sig.revoked_at - pki.revoked_at) < timedelta(seconds=1)
    assert report.reasons() == (
        f"signature 1: certificate revoked on {pki.revoked_at:%Y-%m-%d %H:%M} UTC "
        "(CRL; reason: key compromise)",
    )


def test_revoked_certificate_was_good_before_its_revocation(
    revoked_doc: bytes, pki: TestPki, checker: Checker
) -> None:
    report = checker.report(revoked_doc, at=pki.revoked_at - timedelta(minutes=10))

    assert report.accepted, report.reasons()


def test_soft_fail_still_refuses_a_revoked_certificate(
    revoked_doc: bytes, checker: Checker
) -> None:
    report = checker.report(revoked_doc, revocation=RevocationMode.SOFT_FAIL)

    assert report.signatures[0].revoked
    assert not report.accepted


def test_revocation_off_accepts_a_revoked_certificate(revoked_doc: bytes, checker: Checker) -> None:
    assert checker.report(revoked_doc, revocation=RevocationMode.OFF).accepted


def test_hard_fail_refuses_when_no_crl_is_available(
    signed_sample: bytes, ca_only: Path, checker: Checker
) -> None:
    report = checker.report(signed_sample, trust_dir=ca_only)

    assert report.reasons() == (f"signature 1: {REVINFO_MISSING}",)


def test_soft_fail_accepts_with_a_warning_when_no_crl_is_available(
    signed_sample: bytes, ca_only: Path, checker: Checker
) -> None:
    report = checker.report(signed_sample, trust_dir=ca_only, revocation=RevocationMode.SOFT_FAIL)

    assert report.accepted
    assert report.signatures[0].warnings == (f"{REVINFO_MISSING} (accepted: soft-fail)",)


def test_extra_crl_file_works_offline(
    revoked_doc: bytes, ca_only: Path, pki: TestPki, checker: Checker
) -> None:
    report = checker.report(revoked_doc, trust_dir=ca_only, crl_files=(pki.crl,))

    assert report.signatures[0].revoked


def test_no_trust_anchor_configured(signed_sample: bytes, checker: Checker) -> None:
    report = checker.report(signed_sample, trust_dir=None)

    assert report.reasons() == ("signature 1: no trust anchors are configured (--trust)",)


def test_an_organ_certificate_in_the_trust_dir_is_not_an_anchor(
    foreign_pki: TestPki, tmp_path: Path, checker: Checker
) -> None:
    directory = tmp_path / "leaf-only"
    directory.mkdir()
    shutil.copy(foreign_pki.organ(SENDER).cert, directory / "organ.pem")

    report = checker.report(
        signer_for(foreign_pki, SENDER).sign(sample_document()), trust_dir=directory
    )

    assert not report.accepted
