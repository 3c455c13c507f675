"""The node's key ring: the signers it holds for the organs that let it sign
on their behalf (ký số tổ chức, domain §5 [our rule: per-organ setting]).

The composition root describes each organ's key with an :class:`OrganKey`
(from ``node.toml``) and calls :func:`build_key_ring`; every key is loaded and
checked against its certificate at start, so a wrong key or password fails
the start, not the first document.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from node.ports.driven import Signer
from signing.keys import KeyMaterialError, KeySource, PemKeyFile
from signing.pkcs11 import Pkcs11KeySource
from signing.xmlsign import XmlSigner


@dataclass(frozen=True)
class Pkcs11Key:
    """A key on a PKCS#11 token; the user PIN is read from ``pin_env``."""

    module: Path
    token_label: str
    key_label: str
    pin_env: str


@dataclass(frozen=True)
class OrganKey:
    """Where one organ's signing key and certificate are.

    Exactly one of ``key`` (a PEM/DER file; encrypted if ``key_password_env``
    names the environment variable holding its password) or ``pkcs11``.
    """

    organ_id: str
    cert: Path
    key: Path | None = None
    key_password_env: str | None = None
    pkcs11: Pkcs11Key | None = None


class StaticKeyRing:
    """A fixed set of signers, one per organ (:class:`node.ports.driven.KeyRing`)."""

    def __init__(self, signers: Iterable[Signer] = ()) -> None:
        self._signers: dict[str, Signer] = {}
        for signer in signers:
            if signer.organ_id in self._signers:
                raise KeyMaterialError(f"two signing keys for organ {signer.organ_id}")
            self._signers[signer.organ_id] = signer

    def signer_for(self, organ_id: str) -> Signer | None:
        return self._signers.get(organ_id)

    @property
    def organs(self) -> tuple[str, ...]:
        return tuple(self._signers)


@dataclass(frozen=True)
class _Env:
    values: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def secret(self, name: str, what: str) -> str:
        value = self.values.get(name)
        if value is None:
            raise KeyMaterialError(f"environment variable {name} ({what}) is not set")
        return value


def key_source_for(spec: OrganKey, environ: Mapping[str, str] | None = None) -> KeySource:
    env = _Env(dict(environ) if environ is not None else dict(os.environ))
    if (spec.key is None) == (spec.pkcs11 is None):
        raise KeyMaterialError(
            f"organ {spec.organ_id}: give exactly one of a key file or a PKCS#11 key"
        )
    if spec.pkcs11 is not None:
        token = spec.pkcs11
        return Pkcs11KeySource(
            module=token.module,
            token_label=token.token_label,
            key_label=token.key_label,
            pin=env.secret(token.pin_env, f"PIN for organ {spec.organ_id}"),
        )
    assert spec.key is not None
    password = None
    if spec.key_password_env:
        password = env.secret(
            spec.key_password_env, f"key password for organ {spec.organ_id}"
        ).encode()
    return PemKeyFile(spec.key, password)


def build_key_ring(
    keys: Iterable[OrganKey], *, environ: Mapping[str, str] | None = None
) -> StaticKeyRing:
    """Load and check every organ's key; fail with one clear error if any is unusable."""
    return StaticKeyRing(
        XmlSigner.from_source(spec.organ_id, key_source_for(spec, environ), spec.cert)
        for spec in keys
    )
