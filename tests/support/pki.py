"""The test PKI for mutual TLS, built on the product's :mod:`signing.pki` (the
CA and certificate profiles of ``lienthong pki init``; nothing is built twice).

- :class:`TlsCa`: a CA writing into a directory, issuing node TLS certificates
  (localhost, 127.0.0.1, serverAuth + clientAuth; the organ id in CN and UID).
- :func:`make_tls_pki`: the fixed cast of the transport tests: node A and B,
  a node of the same CA nobody configured, a rogue CA's certificate claiming
  node B's organ, a revoked certificate with its CRL and an expired one.

The signing PKI of a node (organisation signing certificates, sample PDFs) is
:func:`signing.pki.make_test_pki` itself; ``tests.support.signing_fixtures``
serves it as fixtures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from signing.pki import TestCa, generate_key, write_cert, write_key

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


class TlsCa:
    """A TEST CA (``signing.pki.TestCa``) whose certificate is ``path``
    (``<directory>/<name>.pem``) and whose issued files land in ``directory``."""

    def __init__(self, directory: Path, name: str = "ca", *, now: datetime | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.now = now or datetime.now(UTC)
        self.ca = TestCa.generate(self.now, name=f"TEST ONLY {name}")
        self.path = directory / f"{name}.pem"
        write_cert(self.path, self.ca.cert)

    def issue(self, label: str, organ: str | None = None, *, expired: bool = False) -> Issued:
        """``<label>.pem``/``<label>.key``: a node TLS certificate for ``organ``
        (default: the label); ``expired`` ends its validity a year ago."""
        key = generate_key("ec")
        issued_at = self.now - timedelta(days=3 * 365) if expired else self.now
        cert = self.ca.issue_tls(key.public_key(), organ or label, issued_at)
        cert_path, key_path = self.directory / f"{label}.pem", self.directory / f"{label}.key"
        write_cert(cert_path, cert)
        write_key(key_path, key)
        return Issued(cert_path, key_path, cert.public_bytes(serialization.Encoding.DER))

    def write_crl(self, revoked: list[Issued], name: str = "ca.crl") -> Path:
        """A CRL listing ``revoked`` (revoked five minutes ago)."""
        at = self.now - timedelta(minutes=5)
        certs = [(x509.load_der_x509_certificate(i.der), at) for i in revoked]
        path = self.directory / name
        path.write_bytes(self.ca.crl(certs, self.now).public_bytes(serialization.Encoding.PEM))
        return path


@dataclass(frozen=True)
class TlsPki:
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


def make_tls_pki(directory: Path) -> TlsPki:
    ca = TlsCa(directory)
    rogue_ca = TlsCa(directory / "rogue", "rogue-root")
    revoked = ca.issue("revoked", REVOKED_ORGAN)
    return TlsPki(
        ca=ca.path,
        crl=ca.write_crl([revoked]),
        node_a=ca.issue("node-a", NODE_A_ORGAN),
        node_b=ca.issue("node-b", NODE_B_ORGAN),
        other=ca.issue("other", OTHER_ORGAN),
        rogue=rogue_ca.issue("rogue", NODE_B_ORGAN),
        revoked=revoked,
        expired=ca.issue("expired", NODE_B_ORGAN, expired=True),
    )
