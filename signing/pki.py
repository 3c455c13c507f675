"""A TEST PKI for tests and demos: never use its keys for real documents.

Everything it makes says so: subjects carry ``O=TEST ONLY - lienthong test PKI``
and ``OU=TEST ONLY``. :func:`make_test_pki` writes, into one directory::

    ca.pem ca.key ca.crl                 test root CA, its key, its CRL
    <organ>.pem <organ>.key              organisation signing cert + PKCS#8 key
    <organ>.tls.pem <organ>.tls.key      node TLS cert (localhost, 127.0.0.1;
                                         serverAuth + clientAuth) for mutual TLS
    <organ>.sample.pdf                   a PDF signed by the organ's key
    revoked.pem revoked.key              a signing cert listed in ca.crl
    expired.pem expired.key              a signing cert that expired a year ago

Organisation certificates follow :mod:`signing.identity`: ``UID`` = organ id,
``CN`` = a name. Such a directory works as a trust directory (``--trust DIR``):
only CA certificates in it become trust anchors.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.keys import PrivateKey, load_certificates, load_private_key
from signing.pdfsample import minimal_pdf, sign_pdf

TEST_ORGANISATION = "TEST ONLY - lienthong test PKI"
TEST_UNIT = "TEST ONLY"
_FIRST_ORGAN_FALLBACK = "000.00.00.T00"


def generate_key(algorithm: str = "rsa") -> PrivateKey:
    """A fresh RSA-2048 or EC P-256 key."""
    if algorithm == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unknown key algorithm {algorithm!r} (rsa or ec)")


def _name(common_name: str, organ_id: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, TEST_ORGANISATION),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_UNIT),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if organ_id is not None:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, organ_id))
    return x509.Name(attributes)


@dataclass(frozen=True)
class TestCa:
    """The test root CA: issues organisation and TLS certificates and CRLs."""

    __test__ = False  # not a pytest test class

    cert: x509.Certificate
    key: PrivateKey

    @classmethod
    def generate(cls, now: datetime, *, name: str = "TEST ONLY lienthong root CA") -> TestCa:
        key = generate_key("rsa")
        subject = _name(name)
        cert = (
            _builder(
                subject,
                subject,
                key.public_key(),
                now - timedelta(days=3 * 365),
                now + timedelta(days=10 * 365),
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return cls(cert, key)

    @classmethod
    def load(cls, directory: Path) -> TestCa:
        """The CA of a directory made by :func:`make_test_pki`."""
        key = load_private_key((directory / "ca.key").read_bytes(), None, source="ca.key")
        return cls(load_certificates(directory / "ca.pem")[0], key)

    def issue_signing(
        self,
        public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
        organ_id: str,
        *,
        not_before: datetime,
        not_after: datetime,
        name: str | None = None,
    ) -> x509.Certificate:
        """An organisation signing certificate (digitalSignature, nonRepudiation)."""
        builder = _builder(
            _name(name or f"TEST ONLY organ {organ_id}", organ_id),
            self.cert.subject,
            public_key,
            not_before,
            not_after,
        ).add_extension(_key_usage(), critical=True)
        return self._sign(builder, public_key)

    def issue_tls(
        self, public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey, organ_id: str, now: datetime
    ) -> x509.Certificate:
        """A node TLS certificate for localhost / 127.0.0.1, server and client auth."""
        builder = (
            _builder(
                _name(organ_id, organ_id),
                self.cert.subject,
                public_key,
                now - timedelta(days=1),
                now + timedelta(days=2 * 365),
            )
            .add_extension(_key_usage(tls=True), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("localhost"),
                        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    ]
                ),
                critical=False,
            )
        )
        return self._sign(builder, public_key)

    def crl(
        self, revoked: Sequence[tuple[x509.Certificate, datetime]], now: datetime
    ) -> x509.CertificateRevocationList:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(now - timedelta(minutes=1))
            .next_update(now + timedelta(days=365))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._public()), False
            )
        )
        for cert, at in revoked:
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(at)
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
            builder = builder.add_revoked_certificate(entry)
        return builder.sign(self.key, hashes.SHA256())

    def _sign(
        self,
        builder: x509.CertificateBuilder,
        public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    ) -> x509.Certificate:
        return (
            builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._public()), False
            )
            .sign(self.key, hashes.SHA256())
        )

    def _public(self) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
        public = self.cert.public_key()
        assert isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        return public


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    not_before: datetime,
    not_after: datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _key_usage(*, cert_sign: bool = False, tls: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign and not tls,
        key_encipherment=tls,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class IssuedCert:
    cert: Path
    key: Path


@dataclass(frozen=True)
class OrganMaterial:
    organ_id: str
    cert: Path
    key: Path
    tls_cert: Path
    tls_key: Path
    sample_pdf: Path


@dataclass(frozen=True)
class TestPki:
    """Paths of everything :func:`make_test_pki` wrote."""

    __test__ = False  # not a pytest test class

    directory: Path
    ca_cert: Path
    ca_key: Path
    crl: Path
    organs: tuple[OrganMaterial, ...]
    revoked: IssuedCert
    revoked_at: datetime
    expired: IssuedCert

    def organ(self, organ_id: str) -> OrganMaterial:
        for material in self.organs:
            if material.organ_id == organ_id:
                return material
        raise KeyError(organ_id)


def write_key(path: Path, key: PrivateKey) -> None:
    """Write an unencrypted PKCS#8 PEM key, readable by the owner only."""
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def make_test_pki(
    directory: Path,
    organs: Sequence[str],
    *,
    now: datetime | None = None,
    key_algorithm: str = "rsa",
) -> TestPki:
    """Write a complete TEST PKI for ``organs`` into ``directory`` (created if needed).

    ``key_algorithm`` ("rsa" or "ec") applies to the organisation signing keys.
    The revoked and expired certificates are issued to the first organ.
    """
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    ca = TestCa.generate(now)
    write_cert(directory / "ca.pem", ca.cert)
    write_key(directory / "ca.key", ca.key)

    materials = tuple(_write_organ(directory, ca, organ, now, key_algorithm) for organ in organs)
    first = organs[0] if organs else _FIRST_ORGAN_FALLBACK
    revoked_at = now - timedelta(hours=1)
    revoked_cert = _write_signing(
        directory / "revoked", ca, first, now - timedelta(days=1), now + timedelta(days=365)
    )
    _write_signing(
        directory / "expired", ca, first, now - timedelta(days=730), now - timedelta(days=365)
    )
    crl = ca.crl([(revoked_cert, revoked_at)], now)
    (directory / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return TestPki(
        directory=directory,
        ca_cert=directory / "ca.pem",
        ca_key=directory / "ca.key",
        crl=directory / "ca.crl",
        organs=materials,
        revoked=IssuedCert(directory / "revoked.pem", directory / "revoked.key"),
        revoked_at=revoked_at,
        expired=IssuedCert(directory / "expired.pem", directory / "expired.key"),
    )


def _write_signing(
    stem: Path,
    ca: TestCa,
    organ_id: str,
    not_before: datetime,
    not_after: datetime,
    key_algorithm: str = "rsa",
) -> x509.Certificate:
    key = generate_key(key_algorithm)
    cert = ca.issue_signing(key.public_key(), organ_id, not_before=not_before, not_after=not_after)
    write_cert(stem.with_name(stem.name + ".pem"), cert)
    write_key(stem.with_name(stem.name + ".key"), key)
    return cert


def _write_organ(
    directory: Path, ca: TestCa, organ_id: str, now: datetime, key_algorithm: str
) -> OrganMaterial:
    key = generate_key(key_algorithm)
    cert = ca.issue_signing(
        key.public_key(),
        organ_id,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=2 * 365),
    )
    write_cert(directory / f"{organ_id}.pem", cert)
    write_key(directory / f"{organ_id}.key", key)

    tls_key = generate_key("ec")
    write_cert(directory / f"{organ_id}.tls.pem", ca.issue_tls(tls_key.public_key(), organ_id, now))
    write_key(directory / f"{organ_id}.tls.key", tls_key)

    pdf = sign_pdf(
        minimal_pdf(f"TEST ONLY - sample document signed by {organ_id}"),
        key,
        [cert, ca.cert],
        reason="TEST ONLY",
    )
    (directory / f"{organ_id}.sample.pdf").write_bytes(pdf)
    return OrganMaterial(
        organ_id=organ_id,
        cert=directory / f"{organ_id}.pem",
        key=directory / f"{organ_id}.key",
        tls_cert=directory / f"{organ_id}.tls.pem",
        tls_key=directory / f"{organ_id}.tls.key",
        sample_pdf=directory / f"{organ_id}.sample.pdf",
    )
