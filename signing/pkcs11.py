"""PKCS#11 tokens as a key source (python-pkcs11; tested against SoftHSM2).

The private key never leaves the token. :class:`Pkcs11KeySource` opens one
logged-in session and hands the signer an object with the ``cryptography``
private-key interface whose ``sign`` calls the token (RSA PKCS#1 v1.5 with
SHA-2, or ECDSA over a digest computed here). Calls are serialised with a
lock: a PKCS#11 session is not safe for concurrent use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from signing.keys import KeyMaterialError, PrivateKey

_RSA_MECHANISMS = {
    "sha256": "SHA256_RSA_PKCS",
    "sha384": "SHA384_RSA_PKCS",
    "sha512": "SHA512_RSA_PKCS",
}


def _unsupported(*_: object, **__: object) -> NoReturn:
    raise TypeError("the private key stays on the PKCS#11 token; only signing is possible")


class _TokenKey:
    """What both token-backed key classes share: the session, the key, a lock."""

    def __init__(self, session: Any, key: Any, public: Any, lock: threading.Lock) -> None:
        self._session = session
        self._key = key
        self._public = public
        self._lock = lock

    def _token_sign(self, data: bytes, mechanism_name: str) -> bytes:
        import pkcs11

        mechanism = getattr(pkcs11.Mechanism, mechanism_name)
        with self._lock:
            try:
                return bytes(self._key.sign(data, mechanism=mechanism))
            except pkcs11.PKCS11Error as exc:
                raise KeyMaterialError(f"PKCS#11 token refused to sign: {exc!r}") from None


def on_token(key: object) -> bool:
    """Whether ``key`` is on a PKCS#11 token: each signature is a call to the
    device (a USB token takes a few hundred ms) under the session's lock."""
    return isinstance(key, _TokenKey)


class Pkcs11RsaKey(_TokenKey, rsa.RSAPrivateKey):
    def sign(
        self,
        data: bytes,
        padding: padding.AsymmetricPadding,
        algorithm: hashes.HashAlgorithm | utils.Prehashed | utils.NoDigestInfo,
    ) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

        name = getattr(algorithm, "name", "")
        if not isinstance(padding, PKCS1v15) or name not in _RSA_MECHANISMS:
            raise TypeError("PKCS#11 RSA keys sign with PKCS#1 v1.5 and SHA-256/384/512 only")
        return self._token_sign(bytes(data), _RSA_MECHANISMS[name])

    @property
    def key_size(self) -> int:
        return self._public.key_size  # type: ignore[no-any-return]

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public  # type: ignore[no-any-return]

    decrypt = _unsupported
    private_numbers = _unsupported
    private_bytes = _unsupported
    __copy__ = _unsupported
    __deepcopy__ = _unsupported


class Pkcs11EcKey(_TokenKey, ec.EllipticCurvePrivateKey):
    def sign(
        self,
        data: bytes | bytearray | memoryview,
        signature_algorithm: ec.EllipticCurveSignatureAlgorithm,
    ) -> bytes:
        algorithm = signature_algorithm.algorithm
        if isinstance(algorithm, utils.Prehashed):
            raise TypeError("pass the data, not a digest")
        hasher = hashes.Hash(algorithm)
        hasher.update(data)
        raw = self._token_sign(hasher.finalize(), "ECDSA")
        half = len(raw) // 2
        r, s = int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
        return utils.encode_dss_signature(r, s)

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve  # type: ignore[no-any-return]

    @property
    def key_size(self) -> int:
        return self._public.curve.key_size  # type: ignore[no-any-return]

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public  # type: ignore[no-any-return]

    exchange = _unsupported
    private_numbers = _unsupported
    private_bytes = _unsupported
    __copy__ = _unsupported
    __deepcopy__ = _unsupported


def _open_session(token: Any, pin: str) -> Any:
    """A logged-in session. Login is per token and application: when another
    session of this process already logged in, a new session shares it."""
    from pkcs11.exceptions import UserAlreadyLoggedIn

    try:
        return token.open(user_pin=pin)
    except UserAlreadyLoggedIn:
        return token.open()


@dataclass(frozen=True)
class Pkcs11KeySource:
    """A private key on a PKCS#11 token, found by token label and key label."""

    module: Path
    token_label: str
    key_label: str
    pin: str = field(repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def describe(self) -> str:
        return f"PKCS#11 key {self.key_label!r} on token {self.token_label!r} ({self.module})"

    def private_key(self) -> PrivateKey:
        import pkcs11
        from pkcs11 import Attribute, KeyType, ObjectClass

        try:
            lib = pkcs11.lib(str(self.module))
            token = lib.get_token(token_label=self.token_label)
            session = _open_session(token, self.pin)
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self.key_label)
            public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=self.key_label)
            key_type = key[Attribute.KEY_TYPE]
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
            raise KeyMaterialError(f"cannot open {self.describe()}: {exc!r}") from None
        if key_type == KeyType.RSA:
            rsa_public = rsa.RSAPublicNumbers(
                int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                int.from_bytes(public[Attribute.MODULUS], "big"),
            ).public_key()
            return Pkcs11RsaKey(session, key, rsa_public, self._lock)
        if key_type == KeyType.EC:
            from pkcs11.util.ec import encode_ec_public_key

            ec_public = serialization.load_der_public_key(encode_ec_public_key(public))
            assert isinstance(ec_public, ec.EllipticCurvePublicKey)
            return Pkcs11EcKey(session, key, ec_public, self._lock)
        raise KeyMaterialError(f"{self.describe()}: only RSA and EC keys are supported")
