"""Signing, timestamping and checking audit checkpoints (:mod:`node.checkpoints`).

Checkpoints are signed with the node's own organisation key, the key of the
``[[organs]]`` entry for ``node.organ_id`` with ``signing = "node"`` (file or
PKCS#11), because its certificate is issued by the organisation CA that
auditors already trust for documents. A node without that key signs them with
its TLS key (the axis CA issues it). The signature is raw PKCS#1 v1.5 (RSA) or
ECDSA, SHA-256, over the payload's UTF-8 bytes; the RFC 3161 timestamp is over
SHA-256 of the signature bytes (as a CAdES signature timestamp is).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from node.checkpoints import SignatureFacts
from node.store.records import Checkpoint
from signing.certcheck import check_certificate, close_context, validation_context
from signing.keys import KeyMaterialError, PrivateKey
from signing.policy import VerificationPolicy
from signing.trust import TrustMaterial

RSA_SHA256 = "rsa-sha256"
ECDSA_SHA256 = "ecdsa-sha256"


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class KeyCheckpointSigner:
    """:class:`node.checkpoints.CheckpointSigner` over a private key (file or token)."""

    def __init__(self, key: PrivateKey, chain: Sequence[x509.Certificate]) -> None:
        if isinstance(key, rsa.RSAPrivateKey):
            self.algorithm = RSA_SHA256
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            self.algorithm = ECDSA_SHA256
        else:  # pragma: no cover - load_private_key admits RSA and EC only
            raise KeyMaterialError("audit checkpoints need an RSA or EC key")
        self._key = key
        self.chain = tuple(chain)
        self.certificates_pem = "".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in self.chain
        )
        self.fingerprint = fingerprint(self.chain[0])

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        assert isinstance(self._key, ec.EllipticCurvePrivateKey)
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


class Rfc3161Timestamper:
    """:class:`node.checkpoints.Timestamper` with pyHanko's HTTP client."""

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        self.url = url
        self._client = HTTPTimeStamper(url, timeout=int(max(1, timeout)))

    async def stamp(self, data: bytes) -> bytes:
        token = await self._client.async_timestamp(hashlib.sha256(data).digest(), "sha256")
        dumped: bytes = token.dump()
        return dumped


# --------------------------------------------------------------------------- checking


def _certificates(pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem.encode("ascii"))


def signature_valid(cert: x509.Certificate, algorithm: str, data: bytes, signature: bytes) -> bool:
    public = cert.public_key()
    try:
        if algorithm == RSA_SHA256 and isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            return True
        if algorithm == ECDSA_SHA256 and isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


class CheckpointChecker:
    """Checks checkpoints as an auditor does: signature, signer certificate
    (trusted at the time of the checkpoint: its timestamp, else its own time),
    and the RFC 3161 timestamp (imprint, TSA certificate trusted)."""

    def __init__(self, policy: VerificationPolicy, material: TrustMaterial) -> None:
        self._policy = policy
        self._material = material

    async def check(self, checkpoint: Checkpoint, payload: dict[str, Any]) -> SignatureFacts:
        problems: list[str] = []
        warnings: list[str] = []
        try:
            chain = _certificates(checkpoint.certificates)
        except ValueError:
            chain = []
        if not chain:
            return SignatureFacts(problems=("no readable signer certificate",))
        leaf = chain[0]
        try:
            signature = base64.b64decode(checkpoint.signature, validate=True)
        except ValueError:
            return SignatureFacts(problems=("the signature is not base64",), signer=_subject(leaf))
        if payload.get("signer") != fingerprint(leaf):
            problems.append("the certificate given is not the one the payload names")
        if not signature_valid(
            leaf, checkpoint.algorithm, checkpoint.payload.encode("utf-8"), signature
        ):
            problems.append("bad checkpoint signature")
        when: datetime | None = None
        if checkpoint.timestamp is None:
            why = f" ({checkpoint.timestamp_error})" if checkpoint.timestamp_error else ""
            warnings.append(f"not timestamped{why}")
        else:
            when, problem = await self._timestamp(checkpoint.timestamp, signature)
            if problem:
                problems.append(problem)
        facts = await check_certificate(
            leaf,
            chain[1:],
            policy=self._policy,
            material=self._material,
            at=when or checkpoint.at,
        )
        problems += [f"signer certificate: {p}" for p in facts.problems]
        warnings += [f"signer certificate: {w}" for w in facts.warnings]
        return SignatureFacts(
            problems=tuple(problems),
            warnings=tuple(warnings),
            signer=_subject(leaf),
            timestamp=when,
        )

    async def _timestamp(self, token_b64: str, signature: bytes) -> tuple[datetime | None, str]:
        from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

        try:
            info = cms.ContentInfo.load(base64.b64decode(token_b64, validate=True))
            signed_data = info["content"]
            signed_data.native  # noqa: B018 - parse everything now (asn1crypto is lazy)
        except ValueError as exc:
            return None, f"bad timestamp: not an RFC 3161 token ({str(exc)[:100]})"
        if not self._material.anchors:
            return None, "bad timestamp: no trust anchors are configured (--trust)"
        context = validation_context(self._policy, self._material, None)
        try:
            status = await validate_tst_signed_data(
                signed_data,
                context,
                lambda algorithm: hashlib.new(algorithm, signature).digest(),
            )
        except Exception as exc:  # noqa: BLE001 - pyHanko raises many kinds; all mean invalid
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            return None, f"bad timestamp: {reason}"
        finally:
            await close_context(context)
        when = status.get("timestamp")
        if not status.get("intact") or not status.get("valid"):
            return when, "bad timestamp: it does not cover this signature"
        trouble = status.get("trust_problem_indic")
        if trouble is not None:
            name = getattr(trouble, "name", str(trouble)).replace("_", " ").lower()
            return when, f"bad timestamp: the TSA certificate is not trusted ({name})"
        return when, ""
