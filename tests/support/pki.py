"""A tiny test PKI for mutual-TLS tests: a CA, node certificates carrying organ
ids, a certificate of the same CA for a node nobody configured, a rogue CA with
a certificate claiming a configured organ, a revoked certificate and a CRL.

EC P-256 keys keep generation fast. Every certificate is marked as test material.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NODE_A_ORGAN = "000.00.00.H41"
NODE_B_ORGAN = "000.00.00.G22"
OTHER_ORGAN = "000.00.00.A01"
REVOKED_ORGAN = "000.00.00.B02"


@dataclass(frozen=True)
class Issued:
    cert: Path
    key: Path
    der: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.der).hexdigest()


@dataclass(frozen=True)
class TestPki:
    __test__ = False

    ca: Path
    crl: Path
    node_a: Issued
    node_b: Issued
    other: Issued
    """Same CA, organ nobody configured as a peer."""
    rogue: Issued
    """Rogue CA, claims node B's organ id."""
    revoked: Issued
    expired: Issued
    """Same CA, claims node B's organ id, validity over."""


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME, "TEST MATERIAL - NOT FOR PRODUCTION"
            ),
        ]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class _Ca:
    def __init__(self, name: str, now: dt.datetime) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = _name(name, "lienthong test CA")
        self.now = now
        ski = x509.SubjectKeyIdentifier.from_public_key(self.key.public_key())
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def issue(self, directory: Path, label: str, organ: str, *, expired: bool = False) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        start = self.now - dt.timedelta(days=30 if expired else 1)
        end = self.now - dt.timedelta(days=1) if expired else self.now + dt.timedelta(days=90)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(organ, f"node {label}"))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_path, key_path = directory / f"{label}.pem", directory / f"{label}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key_path, key)
        return Issued(cert_path, key_path, cert.public_bytes(serialization.Encoding.DER))

    def crl(self, revoked: list[Issued]) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.name)
            .last_update(self.now - dt.timedelta(hours=1))
            .next_update(self.now + dt.timedelta(days=7))
        )
        for issued in revoked:
            serial = x509.load_der_x509_certificate(issued.der).serial_number
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(self.now - dt.timedelta(minutes=5))
                .build()
            )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def make_pki(directory: Path) -> TestPki:
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca = _Ca("lienthong test root", now)
    rogue_ca = _Ca("rogue root", now)
    (directory / "ca.pem").write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    revoked = ca.issue(directory, "revoked", REVOKED_ORGAN)
    (directory / "ca.crl").write_bytes(ca.crl([revoked]))
    return TestPki(
        ca=directory / "ca.pem",
        crl=directory / "ca.crl",
        node_a=ca.issue(directory, "node-a", NODE_A_ORGAN),
        node_b=ca.issue(directory, "node-b", NODE_B_ORGAN),
        other=ca.issue(directory, "other", OTHER_ORGAN),
        rogue=rogue_ca.issue(directory, "rogue", NODE_B_ORGAN),
        revoked=revoked,
        expired=ca.issue(directory, "expired", NODE_B_ORGAN, expired=True),
    )
