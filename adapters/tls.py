"""TLS for node-to-node traffic: mutual TLS contexts, certificate facts, peer pinning.

Both directions use Python's :mod:`ssl` with TLS 1.2 as the floor, AEAD ciphers
with forward secrecy only (for TLS 1.2; TLS 1.3 suites are fixed and sound),
no compression and no renegotiation.

Who a peer *is* is decided by its certificate, not by its host name:

- the certificate must chain to the configured CA (OpenSSL does that during the
  handshake, with the CRL when one is configured), and
- it must match what the configuration expects for that peer: the SHA-256
  fingerprint of the DER certificate (a pin) and/or an organ id carried in the
  subject (see :data:`ORGAN_ID_ATTRIBUTES`).

On the client side the match is checked inside the handshake (a custom
``SSLObject`` class on the context, a documented :mod:`ssl` hook), so not a single
byte of the request is sent to a server that is not the expected peer. On the
server side, :func:`identify_peer` maps the verified client certificate to the
configured peer name. Host names are not checked by default: nodes are
identified by pinned certificates, which is stricter, and node certificates
issued by an agency CA carry organ ids rather than DNS names.
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from node.errors import ConfigError
from node.organ import organ_id_problem

CIPHERS_TLS12 = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!SHA1:!DSS:!PSK:!SRP"
"""TLS 1.2 suites: ECDHE key exchange and AEAD only."""

ORGAN_ID_ATTRIBUTES = (
    NameOID.COMMON_NAME,
    NameOID.USER_ID,
    NameOID.SERIAL_NUMBER,
    NameOID.ORGANIZATION_IDENTIFIER,
)
"""Subject attributes where a node certificate may carry its organ id."""


@dataclass(frozen=True)
class TlsMaterial:
    """This node's certificate and key plus the CA (and optional CRL) it trusts
    for node-to-node traffic. Paths to PEM files.

    With a CRL, every peer certificate is checked against it, and a CRL past its
    ``nextUpdate`` fails the handshake: keep it fresh (or leave it out).
    """

    cert: Path
    key: Path
    ca: Path
    crl: Path | None = None
    key_password: str | None = field(default=None, repr=False)
    """For an encrypted private key (the composition root reads it from the environment)."""


@dataclass(frozen=True)
class PeerPin:
    """What a peer's certificate must be: its fingerprint and/or its organ id.

    At least one of the two is required; when both are given, both must match.
    ``next_sha256`` is the certificate the peer is rotating to: during a
    rotation either fingerprint matches, so neither side has to switch at the
    same instant (and no delivery dead-letters on a pin mismatch meanwhile).
    """

    cert_sha256: str | None = None
    organ_id: str | None = None
    next_sha256: str | None = None

    def __post_init__(self) -> None:
        if self.cert_sha256 is not None:
            object.__setattr__(self, "cert_sha256", normalize_fingerprint(self.cert_sha256))
        if self.next_sha256 is not None:
            if self.cert_sha256 is None:
                raise ConfigError("a next certificate fingerprint needs a current one")
            object.__setattr__(self, "next_sha256", normalize_fingerprint(self.next_sha256))
        if self.organ_id is not None and (problem := organ_id_problem(self.organ_id)):
            raise ConfigError(problem)
        if self.cert_sha256 is None and self.organ_id is None:
            raise ConfigError("a peer pin needs a certificate fingerprint or an organ id")

    def mismatch(self, der: bytes) -> str | None:
        """Why the DER certificate does not match this pin, or None if it does."""
        got = fingerprint(der)
        if self.cert_sha256 is not None and got not in self.fingerprints:
            pinned = " or ".join(self.fingerprints)
            return f"certificate sha256 {got} is not the pinned {pinned}"
        if self.organ_id is not None:
            organs = subject_organ_ids(x509.load_der_x509_certificate(der))
            if self.organ_id not in organs:
                found = ", ".join(organs) or "none"
                return (
                    f"certificate subject carries organ id(s) {found}, "
                    f"expected {self.organ_id} (sha256 {got})"
                )
        return None

    @property
    def fingerprints(self) -> tuple[str, ...]:
        """The pinned certificate fingerprints: the current one, then the next."""
        return tuple(f for f in (self.cert_sha256, self.next_sha256) if f is not None)

    def overlaps(self, other: PeerPin) -> bool:
        """Whether a certificate could match both pins (two peers sharing one)."""
        return bool(set(self.fingerprints) & set(other.fingerprints))

    def __str__(self) -> str:
        parts = []
        if self.cert_sha256:
            parts.append(f"sha256={self.cert_sha256}")
        if self.next_sha256:
            parts.append(f"next={self.next_sha256}")
        if self.organ_id:
            parts.append(f"organ={self.organ_id}")
        return ",".join(parts)


@dataclass(frozen=True)
class CertInfo:
    """Facts about one certificate, for pinning, logs and the admin API."""

    sha256: str
    subject: str
    issuer: str
    serial: int
    not_before: datetime
    not_after: datetime
    organ_ids: tuple[str, ...]

    def days_to_expiry(self, now: datetime) -> int:
        return (self.not_after - now).days


# --------------------------------------------------------------------------- contexts


def server_context(
    cert: Path, key: Path, ca: Path, *, crl: Path | None = None, password: str | None = None
) -> ssl.SSLContext:
    """A server context that requires a client certificate chaining to ``ca``."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(ctx)
    _load(ctx, cert, key, ca, crl, password)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def client_context(
    cert: Path,
    key: Path,
    ca: Path,
    *,
    crl: Path | None = None,
    password: str | None = None,
    check_hostname: bool = False,
) -> ssl.SSLContext:
    """A client context presenting ``cert`` and requiring a server chaining to ``ca``."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _harden(ctx)
    ctx.check_hostname = check_hostname
    ctx.verify_mode = ssl.CERT_REQUIRED
    _load(ctx, cert, key, ca, crl, password)
    return ctx


def material_server_context(material: TlsMaterial) -> ssl.SSLContext:
    """:func:`server_context` for this node's :class:`TlsMaterial` (the peer API)."""
    return server_context(
        material.cert, material.key, material.ca, crl=material.crl, password=material.key_password
    )


def pinned_client_context(material: TlsMaterial, pin: PeerPin, peer: str) -> ssl.SSLContext:
    """A :func:`client_context` whose handshake also fails unless the server's
    certificate matches ``pin``: the check runs before any request byte is sent."""
    ctx = client_context(
        material.cert, material.key, material.ca, crl=material.crl, password=material.key_password
    )
    ctx.sslobject_class = type("PinnedSSLObject", (_PinnedSSLObject,), {"pin": pin, "peer": peer})
    return ctx


class _PinnedSSLObject(ssl.SSLObject):
    pin: PeerPin
    peer: str

    def do_handshake(self) -> None:
        super().do_handshake()
        der = self.getpeercert(binary_form=True)
        problem = "no certificate presented" if der is None else self.pin.mismatch(der)
        if problem is not None:
            err = ssl.SSLCertVerificationError(f"peer {self.peer}: {problem}")
            err.verify_message = problem
            raise err


def _harden(ctx: ssl.SSLContext) -> None:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(CIPHERS_TLS12)
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION
    ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE


def _load(
    ctx: ssl.SSLContext, cert: Path, key: Path, ca: Path, crl: Path | None, password: str | None
) -> None:
    for label, path in (("certificate", cert), ("key", key), ("CA", ca), ("CRL", crl)):
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"TLS {label} file {path} does not exist")
    try:
        ctx.load_cert_chain(cert, key, password=password)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"cannot load TLS certificate {cert} with key {key}: {exc}") from None
    try:
        ctx.load_verify_locations(cafile=ca)
        if crl is not None:
            ctx.load_verify_locations(cafile=crl)
            ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"cannot load TLS trust material {ca} / {crl}: {exc}") from None


# --------------------------------------------------------------------------- certificates


def normalize_fingerprint(value: str) -> str:
    """Lower-case hex without separators; accepts ``AB:CD:...`` and ``sha256:`` forms."""
    text = value.strip().lower().removeprefix("sha256:").replace(":", "").replace(" ", "")
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ConfigError(f"{value!r} is not a SHA-256 certificate fingerprint (64 hex digits)")
    return text


def fingerprint(der: bytes) -> str:
    """SHA-256 of the DER certificate, lower-case hex."""
    return hashlib.sha256(der).hexdigest()


def load_certificate(path: Path) -> x509.Certificate:
    """The first certificate in a PEM (or DER) file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read certificate {path}: {exc.strerror}") from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise ConfigError(f"{path} is not an X.509 certificate: {exc}") from None


def file_fingerprint(path: Path) -> str:
    """The pin of the certificate stored in ``path`` (for ``expected_cert = path``)."""
    return fingerprint(load_certificate(path).public_bytes(Encoding.DER))


def subject_organ_ids(cert: x509.Certificate) -> tuple[str, ...]:
    """Organ ids found in the subject attributes of :data:`ORGAN_ID_ATTRIBUTES`."""
    found: list[str] = []
    for oid in ORGAN_ID_ATTRIBUTES:
        for attr in cert.subject.get_attributes_for_oid(oid):
            value = attr.value if isinstance(attr.value, str) else attr.value.decode()
            if organ_id_problem(value) is None and value not in found:
                found.append(value)
    return tuple(found)


def cert_info(cert: x509.Certificate | bytes) -> CertInfo:
    """Facts about a certificate (an object or DER bytes)."""
    if isinstance(cert, bytes):
        cert = x509.load_der_x509_certificate(cert)
    return CertInfo(
        sha256=fingerprint(cert.public_bytes(Encoding.DER)),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        organ_ids=subject_organ_ids(cert),
    )


class PinnedPeer(Protocol):
    """A configured peer: its name and what its certificate must be."""

    @property
    def name(self) -> str: ...

    @property
    def pin(self) -> PeerPin: ...


def identify_peer(der_cert: bytes | None, peers: Iterable[PinnedPeer]) -> str | None:
    """The name of the one configured peer whose pin the (already chain-verified)
    client certificate matches; None when no peer matches or when several do
    (an ambiguous configuration never picks one at random).

    On an aiohttp server: ``request.transport.get_extra_info("ssl_object")
    .getpeercert(binary_form=True)`` gives ``der_cert``.
    """
    if not der_cert:
        return None
    matches = [peer.name for peer in peers if peer.pin.mismatch(der_cert) is None]
    return matches[0] if len(matches) == 1 else None
