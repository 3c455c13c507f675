"""Signing an edXML envelope for an organisation (domain §5), with signxml.

The signature is enveloped, placed as the last child of ``edXMLHeader``, with
one ``Reference URI=""`` whose transforms are enveloped-signature and exclusive
c14n, RSA-SHA256 (RSA-2048+) or ECDSA-SHA256 (P-256), and the X.509
certificate (chain) in ``KeyInfo/X509Data``. Existing signatures stay and are
covered by the new one (a counter-signature). :class:`XmlSigner` implements
:class:`node.ports.driven.Signer`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import SignXMLException
from signxml.signer import XMLSigner

from node import xmlsafe
from node.errors import SigningFailed
from signing.envelope import DS, find_header
from signing.identity import organ_id_of
from signing.keys import (
    KeyMaterialError,
    KeySource,
    PrivateKey,
    check_key_matches,
    load_certificates,
)
from signing.pkcs11 import on_token
from signing.streamc14n import Prepared
from signing.streamsign import sign_stream

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256


def hardened_parser() -> etree.XMLParser:
    """The parser signxml uses for its internal copies: :mod:`node.xmlsafe`'s
    own, with ``huge_tree`` for large attachments (the input was already
    checked by ``xmlsafe`` before signxml sees it)."""
    return xmlsafe.hardened_parser(huge_tree=True)


def signature_method_for(key: PrivateKey) -> SignatureMethod:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise KeyMaterialError(
                f"RSA keys shorter than {MIN_RSA_BITS} bits are not accepted "
                f"(this one has {key.key_size})"
            )
        return SignatureMethod.RSA_SHA256
    if key.curve.key_size < MIN_EC_BITS:
        raise KeyMaterialError(f"EC curves smaller than P-256 are not accepted ({key.curve.name})")
    return SignatureMethod.ECDSA_SHA256


class _EnvelopeSigner(XMLSigner):
    """signxml's signer with our hardened parser for its internal copies."""

    def __init__(self, method: SignatureMethod, parser: etree.XMLParser) -> None:
        super().__init__(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=method,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )
        # <Signature xmlns="...xmldsig#">, as real files carry it
        self.namespaces = cast(dict[str, str], {None: DS})
        self._hardened = parser

    @property
    def parser(self) -> etree.XMLParser:
        return self._hardened


def sign_envelope(
    xml: bytes,
    key: PrivateKey,
    chain: Sequence[x509.Certificate],
    *,
    method: SignatureMethod | None = None,
) -> bytes:
    """``xml`` with one more enveloped signature in ``edXMLHeader``.

    ``method`` overrides the algorithm chosen from the key (tests use it to
    make legacy SHA-1 material). Raises :class:`SigningFailed` when ``xml`` is
    not an edXML envelope or signxml refuses it.
    """
    tree = xmlsafe.parse_bytes(xml, huge_tree=True)
    root = tree.getroot()
    header = find_header(root)
    if header is None:
        raise SigningFailed("not an edXML envelope: edXML/edXMLEnvelope/edXMLHeader not found")
    etree.SubElement(
        header, f"{{{DS}}}Signature", nsmap=cast(dict[str, str], {None: DS}), Id="placeholder"
    )
    signer = _EnvelopeSigner(method or signature_method_for(key), hardened_parser())
    try:
        signed = signer.sign(root, key=key, cert=list(chain))
    except (SignXMLException, ValueError) as exc:
        raise SigningFailed(f"signing failed: {exc}") from None
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


class XmlSigner:
    """Signs envelopes for one organisation (:class:`node.ports.driven.Signer`). Thread-safe
    as long as the key is (file keys are; PKCS#11 keys serialise their own calls)."""

    def __init__(self, organ_id: str, key: PrivateKey, chain: Sequence[x509.Certificate]) -> None:
        self.organ_id = organ_id
        self._key = key
        self._chain = tuple(chain)
        self._method = signature_method_for(key)

    @classmethod
    def from_source(
        cls,
        organ_id: str,
        key_source: KeySource,
        cert_path: Path,
        *,
        require_organ_match: bool = True,
    ) -> XmlSigner:
        """Build a signer and check that the key fits the certificate and the
        certificate names ``organ_id`` (see :mod:`signing.identity`)."""
        chain = load_certificates(cert_path)
        key = key_source.private_key()
        check_key_matches(key, chain, key_source.describe())
        named = organ_id_of(chain[0])
        if require_organ_match and named != organ_id:
            raise KeyMaterialError(
                f"certificate {cert_path} is issued to organ {named or '(none)'}, "
                f"not {organ_id} (subject UID must carry the organ id)"
            )
        return cls(organ_id, key, chain)

    @property
    def certificate(self) -> x509.Certificate:
        return self._chain[0]

    @property
    def in_process(self) -> bool:
        """True when the key is in this process's memory (a key file): a
        signature is CPU work only, which the node does on its event loop for a
        small message (:func:`node.engine.context.in_process`). False for a
        PKCS#11 token, whose signatures wait on the device: in a worker thread."""
        return not on_token(self._key)

    def sign(self, xml: bytes) -> bytes:
        out = io.BytesIO()
        if sign_stream(io.BytesIO(xml), out, self._key, self._chain, self._method) is not None:
            return out.getvalue()
        return sign_envelope(xml, self._key, self._chain, method=self._method)

    def sign_file(
        self, source: Path, target: Path, prepared: Prepared | None = None
    ) -> tuple[int, str]:
        """Sign the file ``source`` into ``target`` in chunks (streamed: a big
        attachment is never whole in memory); (size, SHA-256 hex) of ``target``.
        ``prepared``: the digest half, done elsewhere (:func:`prepare_file`).
        ``target`` may be left half-written on failure: the caller removes it."""
        with source.open("rb") as src, target.open("wb") as out:
            done = sign_stream(src, out, self._key, self._chain, self._method, prepared)
        if done is not None:
            return done
        signed = self.sign(source.read_bytes())  # a shape only signxml handles
        target.write_bytes(signed)
        return len(signed), hashlib.sha256(signed).hexdigest()
