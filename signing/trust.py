"""The trust store: CA certificates and CRLs from a directory plus extra CRL files.

Only certificates that are CAs (``BasicConstraints cA=TRUE``) become trust
anchors, so a directory that also holds end-entity certificates and keys (as
``lienthong pki init`` writes) can be used as is. Files are re-read when any of
them changes (operators drop fresh CRLs in), checked by name, size and mtime.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from signing.keys import KeyMaterialError

CERT_SUFFIXES = frozenset({".pem", ".crt", ".cer", ".der"})
CRL_SUFFIXES = frozenset({".crl"})


class TrustStoreError(KeyMaterialError):
    """The trust directory or a CRL file cannot be read."""

    kind = "trust-store"
    title = "Trust store unusable"


@dataclass(frozen=True)
class TrustMaterial:
    """DER-encoded anchors and CRLs, ready for pyhanko-certvalidator."""

    anchors: tuple[bytes, ...]
    crls: tuple[bytes, ...]


def is_ca(cert: x509.Certificate) -> bool:
    """Whether ``cert`` says it is a CA (BasicConstraints ``cA`` true).

    No BasicConstraints, ``cA`` false, or extensions that do not parse (a
    malformed or repeated extension: cryptography raises ValueError when they
    are first read) all mean "not a CA": such a certificate is never a trust
    anchor and may still be a signer's leaf, and reading it never fails.
    """
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


def ca_certificates_in(directory: Path | None) -> Iterator[tuple[Path, x509.Certificate]]:
    """The CA certificates of the PEM files (``.pem``, ``.crt``, ``.cer``) in
    ``directory``, for listing them; unreadable files and other certificates
    are passed over (verification reads the directory with :func:`load_material`,
    which refuses an unreadable file)."""
    if directory is None:
        return
    try:
        paths = sorted(directory.iterdir())
    except OSError:
        return
    for path in paths:
        if path.suffix.lower() not in (".pem", ".crt", ".cer"):
            continue
        try:
            certs = x509.load_pem_x509_certificates(path.read_bytes())
        except (ValueError, OSError):
            continue
        yield from ((path, cert) for cert in certs if is_ca(cert))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TrustStoreError(f"cannot read {path}: {exc.strerror}") from None


def load_cert_file(path: Path) -> list[x509.Certificate]:
    data = _read(path)
    try:
        if b"-----BEGIN" in data:
            if b"CERTIFICATE-----" not in data:
                return []  # a PEM file of something else (a key): not ours to judge
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise TrustStoreError(f"{path} is not a readable X.509 certificate") from None


def load_crl_file(path: Path) -> x509.CertificateRevocationList:
    data = _read(path)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        raise TrustStoreError(f"{path} is not a readable CRL") from None


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def load_material(trust_dir: Path | None, crl_files: Iterable[Path]) -> TrustMaterial:
    anchors: list[bytes] = []
    crls: list[bytes] = []
    for path in _dir_files(trust_dir):
        suffix = path.suffix.lower()
        if suffix in CERT_SUFFIXES:
            anchors.extend(_der(c) for c in load_cert_file(path) if is_ca(c))
        elif suffix in CRL_SUFFIXES:
            crls.append(load_crl_file(path).public_bytes(serialization.Encoding.DER))
    for path in crl_files:
        crls.append(load_crl_file(path).public_bytes(serialization.Encoding.DER))
    return TrustMaterial(anchors=tuple(dict.fromkeys(anchors)), crls=tuple(dict.fromkeys(crls)))


def _dir_files(trust_dir: Path | None) -> list[Path]:
    if trust_dir is None:
        return []
    if not trust_dir.is_dir():
        raise TrustStoreError(f"trust directory {trust_dir} does not exist")
    try:
        return sorted(p for p in trust_dir.iterdir() if p.is_file())
    except OSError as exc:
        raise TrustStoreError(f"cannot list {trust_dir}: {exc.strerror}") from None


class TrustStore:
    """Anchors and CRLs, reloaded when the files change. Thread-safe.

    The files are looked at again at most every ``recheck_seconds`` (monotonic
    time), so a busy node does not stat the directory for every document.
    """

    def __init__(
        self,
        trust_dir: Path | None,
        crl_files: Iterable[Path] = (),
        *,
        recheck_seconds: float = 1.0,
    ) -> None:
        self._trust_dir = trust_dir
        self._crl_files = tuple(crl_files)
        self._recheck = recheck_seconds
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._checked_at: float | None = None
        self._material = TrustMaterial((), ())

    def material(self) -> TrustMaterial:
        with self._lock:
            now = time.monotonic()
            if self._checked_at is not None and now - self._checked_at < self._recheck:
                return self._material
            stamp = self._fingerprint()
            if stamp != self._stamp:
                self._material = load_material(self._trust_dir, self._crl_files)
                self._stamp = stamp
            self._checked_at = now
            return self._material

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        entries = []
        for path in [*_dir_files(self._trust_dir), *self._crl_files]:
            try:
                st = path.stat()
            except OSError as exc:
                raise TrustStoreError(f"cannot read {path}: {exc.strerror}") from None
            entries.append((str(path), st.st_size, st.st_mtime_ns))
        return tuple(entries)
