"""Garbage in KeyInfo is a verification problem in the report, never an exception."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing.keys import PemKeyFile, load_certificates
from signing.pki import TestPki
from signing.policy import VerificationPolicy
from signing.verifier import DocumentVerifier
from signing.xmlsign import XmlSigner
from tests.support.signing_fixtures import SENDER, sample_document, signer_for

NOT_X509 = "certificate in KeyInfo is not valid DER/X.509"
_CERT = re.compile(rb"(<(?:\w+:)?X509Certificate>)([^<]*)(</)")


def _with_cert_text(signed: bytes, text: bytes) -> bytes:
    replaced, count = _CERT.subn(lambda m: m[1] + text + m[3], signed, count=1)
    assert count == 1
    return replaced


def _verify(tmp_path: Path, trust: Path, data: bytes) -> tuple[bool, tuple[str, ...]]:
    path = tmp_path / "doc.edxml"
    path.write_bytes(data)
    outcome = DocumentVerifier(VerificationPolicy(trust_dir=trust)).verify(path)
    return outcome.accepted, outcome.reasons


@pytest.fixture(scope="module")
def signed(pki: TestPki) -> bytes:
    return signer_for(pki, SENDER).sign(sample_document())


@pytest.fixture(scope="module")
def real_der(pki: TestPki) -> bytes:
    cert = load_certificates(pki.organ(SENDER).cert)[0]
    return cert.public_bytes(serialization.Encoding.DER)


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("not-base64", lambda der: b"not base64 at all!"),
        ("empty", lambda der: b""),
        ("random-bytes", lambda der: _b64(bytes(range(256)))),
        ("truncated", lambda der: _b64(der[: len(der) // 2])),
        ("trailing-garbage", lambda der: _b64(der + b"\x00\x01")),
        ("wrong-length", lambda der: _b64(der[:2] + b"\xff\xff" + der[4:])),
        ("empty-sequence", lambda der: _b64(b"\x30\x00")),
        ("integer", lambda der: _b64(b"\x02\x01\x05")),
    ],
)
def test_garbage_certificate_is_a_problem(
    name: str, text: object, signed: bytes, real_der: bytes, pki: TestPki, tmp_path: Path
) -> None:
    assert callable(text)
    accepted, reasons = _verify(tmp_path, pki.directory, _with_cert_text(signed, text(real_der)))
    assert not accepted
    assert any(NOT_X509 in r or "X509" in r for r in reasons), reasons


def test_certificate_only_asn1crypto_refuses(pki: TestPki, tmp_path: Path) -> None:
    """cryptography reads this certificate (an extension it does not know), but
    asn1crypto, which path validation uses, cannot: a PolicyMappings extension
    with garbage inside. This surfaced as a ValueError (HTTP 500) before."""
    ca_key = PemKeyFile(pki.ca_key).private_key()
    ca_cert = load_certificates(pki.ca_cert)[0]
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "odd"),
                    x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, SENDER),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.33"), b"\x30\x03\x80\x01\x00"),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    cert_path, key_path = tmp_path / "odd.pem", tmp_path / "odd.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = XmlSigner.from_source(
        SENDER, PemKeyFile(key_path), cert_path, require_organ_match=False
    )
    data = signer.sign(sample_document())

    accepted, reasons = _verify(tmp_path, pki.directory, data)

    assert not accepted
    assert any(NOT_X509 in r for r in reasons), reasons


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(min_size=0, max_size=400), st.integers(0, 2000), st.binary(max_size=4))
def test_mutated_certificates_never_raise(
    signed: bytes, real_der: bytes, pki: TestPki, noise: bytes, position: int, patch: bytes
) -> None:
    import tempfile

    der = bytearray(real_der)
    at = position % len(der)
    der[at : at + len(patch)] = patch
    for candidate in (bytes(der), noise):
        with tempfile.TemporaryDirectory() as tmp:
            accepted, reasons = _verify(
                Path(tmp), pki.directory, _with_cert_text(signed, _b64(candidate))
            )
        if candidate != real_der:
            assert not accepted, reasons
            assert reasons
