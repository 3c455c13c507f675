"""Enveloped signatures made without loading the document (domain §5).

The document is read twice in chunks: once through the streaming exclusive
canonicaliser (:mod:`signing.streamc14n`) into SHA-256, once copied to the
target with the ``Signature`` element spliced in, by bytes, just before
``</edXMLHeader>``, where signxml puts it (the last child of the header).
Only ``SignedInfo`` is built and signed in memory. The result has the shape
:mod:`signing.xmlsign` documents, and signxml verifies it (property tests).

Existing signatures stay and are covered (the new digest leaves out only the
new one). Anything this does not handle (a declared encoding other than
UTF-8/ASCII, an empty header) answers None and the caller signs with signxml.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from typing import BinaryIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)

from node.errors import SigningFailed
from signing.envelope import DS
from signing.keys import PrivateKey
from signing.streamc14n import READ_CHUNK, Prepared, identity, is_file, prepare

_EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
_ENVELOPED = SignatureConstructionMethod.enveloped.value
_SHA256 = DigestAlgorithm.SHA256.value


def signed_info(method: SignatureMethod, digest: bytes) -> str:
    """``SignedInfo`` as written in the document (it inherits ``xmlns`` from
    ``Signature``). Its exclusive canonical form adds only that ``xmlns``."""
    return (
        "<SignedInfo>"
        f'<CanonicalizationMethod Algorithm="{_EXC_C14N}"></CanonicalizationMethod>'
        f'<SignatureMethod Algorithm="{method.value}"></SignatureMethod>'
        '<Reference URI="">'
        "<Transforms>"
        f'<Transform Algorithm="{_ENVELOPED}"></Transform>'
        f'<Transform Algorithm="{_EXC_C14N}"></Transform>'
        "</Transforms>"
        f'<DigestMethod Algorithm="{_SHA256}"></DigestMethod>'
        f"<DigestValue>{base64.b64encode(digest).decode()}</DigestValue>"
        "</Reference>"
        "</SignedInfo>"
    )


def _sign_bytes(key: PrivateKey, method: SignatureMethod, data: bytes) -> bytes:
    if method is SignatureMethod.RSA_SHA256 and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if method is SignatureMethod.ECDSA_SHA256 and isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")  # XML-DSig: r || s
    raise SigningFailed(f"streaming signer: unsupported method {method.value}")


def signature_element(
    key: PrivateKey,
    chain: Sequence[x509.Certificate],
    method: SignatureMethod,
    digest: bytes,
) -> bytes:
    info = signed_info(method, digest)
    canonical = info.replace("<SignedInfo>", f'<SignedInfo xmlns="{DS}">', 1).encode()
    value = base64.b64encode(_sign_bytes(key, method, canonical)).decode()
    certs = "".join(
        f"<X509Certificate>{base64.b64encode(c.public_bytes(Encoding.DER)).decode()}"
        "</X509Certificate>"
        for c in chain
    )
    return (
        f'<Signature xmlns="{DS}">{info}<SignatureValue>{value}</SignatureValue>'
        f"<KeyInfo><X509Data>{certs}</X509Data></KeyInfo></Signature>"
    ).encode()


def sign_stream(
    source: BinaryIO,
    target: BinaryIO,
    key: PrivateKey,
    chain: Sequence[x509.Certificate],
    method: SignatureMethod,
    prepared: Prepared | None = None,
) -> tuple[int, str] | None:
    """Write ``source`` signed to ``target``: (bytes written, their SHA-256 hex),
    or None (nothing written) when the document needs signxml instead.
    ``source`` must be seekable. ``prepared``: :func:`prepare` of this very
    file, already done (else it is done here). Raises :class:`SigningFailed`
    for input that is not an edXML envelope, :class:`MalformedXml`/
    :class:`UnsafeXml` for bad XML."""
    if prepared is not None and (not is_file(source) or identity(source) != prepared.identity):
        prepared = None  # not made from this file as it is: never sign a digest of other bytes
    if prepared is None:
        prepared = prepare(source)
        if prepared is None:
            return None
    signature = signature_element(key, chain, method, prepared.digest)
    source.seek(0)
    out = hashlib.sha256()
    written = 0

    def emit(data: bytes) -> None:
        nonlocal written
        target.write(data)
        out.update(data)
        written += len(data)

    left = prepared.header_end
    while left > 0:
        chunk = source.read(min(READ_CHUNK, left))
        if not chunk:  # pragma: no cover - the file shrank under us
            raise SigningFailed("the document changed while it was being signed")
        emit(chunk)
        left -= len(chunk)
    emit(signature)
    while chunk := source.read(READ_CHUNK):
        emit(chunk)
    return written, out.hexdigest()
