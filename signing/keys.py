"""Key sources: where an organisation's private key lives, behind one small port.

:class:`KeySource` is the port. :class:`PemKeyFile` reads a PEM (PKCS#8 or
traditional, encrypted allowed) or DER key file; :mod:`signing.pkcs11` keeps
the key on a PKCS#11 token. Either way the signer receives an object with the
``cryptography`` private-key interface, which is what signxml signs with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from node.errors import ConfigError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class KeyMaterialError(ConfigError):
    """A key or certificate could not be read or does not fit (CLI exit 2)."""

    kind = "key-material"
    title = "Key material unusable"
    exit_code = 2


class KeySource(Protocol):
    """Where a private key lives. ``private_key`` may open a session or decrypt
    a file; it is called once when a signer is built."""

    def private_key(self) -> PrivateKey: ...

    def describe(self) -> str:
        """Where the key is, for messages (never the secret itself)."""
        ...


@dataclass(frozen=True)
class PemKeyFile:
    """A private key in a PEM or DER file, optionally password-protected."""

    path: Path
    password: bytes | None = field(default=None, repr=False)

    def describe(self) -> str:
        return f"key file {self.path}"

    def private_key(self) -> PrivateKey:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise KeyMaterialError(f"cannot read {self.describe()}: {exc.strerror}") from None
        return load_private_key(data, self.password, source=self.describe())


def load_private_key(data: bytes, password: bytes | None, *, source: str) -> PrivateKey:
    loader = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    try:
        key = loader(data, password=password)
    except TypeError as exc:
        # cryptography raises TypeError for "password given but key not
        # encrypted" and "key encrypted but no password given".
        raise KeyMaterialError(f"{source}: {exc}") from None
    except ValueError:
        hint = " (wrong password?)" if password is not None else ""
        raise KeyMaterialError(f"{source}: not a readable private key{hint}") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyMaterialError(f"{source}: only RSA and EC keys are supported")
    return key


def load_certificates(path: Path) -> tuple[x509.Certificate, ...]:
    """Every certificate in a PEM bundle or a single DER file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyMaterialError(f"cannot read certificate {path}: {exc.strerror}") from None
    try:
        if b"-----BEGIN" in data:
            certs = tuple(x509.load_pem_x509_certificates(data))
        else:
            certs = (x509.load_der_x509_certificate(data),)
    except ValueError:
        raise KeyMaterialError(f"{path} holds no readable X.509 certificate") from None
    return certs


def check_key_matches(key: PrivateKey, chain: Sequence[x509.Certificate], source: str) -> None:
    """Refuse a key whose public half is not the first certificate's."""
    if not chain:
        raise KeyMaterialError(f"{source}: no certificate given")
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    cert_public = (
        chain[0]
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    if public != cert_public:
        raise KeyMaterialError(
            f"{source} does not belong to certificate {chain[0].subject.rfc4514_string()}"
        )
