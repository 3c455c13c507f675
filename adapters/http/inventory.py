"""What the node is configured with, as the admin API shows it: routes, peers
and every certificate it holds with its days to expiry (also a metric)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from node.errors import ConfigError

CertificateRole = Literal["tls", "tls-ca", "organ", "peer", "trust-anchor"]


@dataclass(frozen=True)
class RouteInfo:
    pattern: str
    destination_kind: Literal["peer", "dms"]
    """"dms": a local DMS client."""
    destination: str


@dataclass(frozen=True)
class CertificateInfo:
    role: CertificateRole
    name: str
    subject: str
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    sha256: str
    path: Path = field(metadata={"json": None})
    """Where it was read (not shown in the admin API)."""

    def days_left(self, now: datetime) -> float:
        return (self.not_after - now).total_seconds() / 86400


@dataclass(frozen=True)
class PeerInfo:
    name: str
    url: str
    organ_id: str
    certificate: CertificateInfo


@dataclass(frozen=True)
class NodeInventory:
    organ_id: str
    name: str
    routes: tuple[RouteInfo, ...]
    peers: tuple[PeerInfo, ...]
    certificates: tuple[CertificateInfo, ...]


def der_sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def load_pem_certificates(path: Path, key: str) -> list[x509.Certificate]:
    """Every certificate in a PEM file; ConfigError naming ``key`` otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{key}: cannot read {path}: {exc.strerror}") from None
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise ConfigError(f"{key}: {path} holds no PEM certificate") from None
    return certs


def certificate_info(
    cert: x509.Certificate, *, role: CertificateRole, name: str, path: Path
) -> CertificateInfo:
    return CertificateInfo(
        role=role,
        name=name,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=der_sha256(cert.public_bytes(Encoding.DER)),
        path=path,
    )


def file_certificates(
    path: Path, *, key: str, role: CertificateRole, name: str
) -> list[CertificateInfo]:
    return [
        certificate_info(c, role=role, name=name, path=path)
        for c in load_pem_certificates(path, key)
    ]
