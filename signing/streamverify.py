"""Verifying large envelopes without loading them (domain §5).

One pass over the file (:mod:`signing.streamc14n`) gives, for each header
signature *i*, the SHA-256 of the exclusive canonical form of the document
without signatures *i* and later (what signature *i* signed), the signatures
themselves rebuilt as small trees, and a skeleton of the document: every
element and text except the header signatures and the attachments' base64
payloads. ``SignedInfo`` is canonicalised by lxml and its value checked with
the certificate's key; trust, weakness and the report are decided as
:mod:`signing.xmlverify` decides them. PDF attachments are decoded by a
second pass into spooled files, for pyHanko.

Only lienthong's own signature shape is handled here (``SignedInfo``,
``SignatureValue``, ``KeyInfo/X509Data`` and nothing else; exclusive c14n;
SHA-256 digest; one ``URI=""`` reference with the enveloped and exclusive
c14n transforms): anything else answers None and the caller verifies with
signxml, whose defences stay the reference. What a DMS reads afterwards is
the file itself, and every byte of it outside the header signatures is what
the digests covered.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from xml.parsers import expat

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidSignature as SignxmlInvalid

from node import xmlsafe
from node.errors import MalformedXml
from signing.certcheck import CertChecker
from signing.envelope import DS, attachments, local_name, sender_of
from signing.report import AttachmentReport, SignatureReport
from signing.signedinfo import inspect_signed_info
from signing.streamc14n import READ_CHUNK, Canonicaliser, Unsupported, escape_attr, escape_text
from signing.xmlverify import (
    _ACCEPTED_METHODS,
    MAX_SIGNATURES,
    _signature_failure,
    signature_problems,
    signature_report,
)

STREAM_AT = 4 * 1024 * 1024
"""Documents from this size on are verified streaming; smaller ones by signxml."""

_EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
_ENVELOPED = SignatureConstructionMethod.enveloped.value
_SHA256 = DigestAlgorithm.SHA256.value
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_METHODS = {m.value: m for m in SignatureMethod}
_PAYLOAD = "ContentTransferEncoded"


class _Fallback(Exception):
    """The document needs signxml."""


@dataclass
class Streamed:
    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    attachments: tuple[AttachmentReport, ...]
    from_verified: bool
    found: int
    """How many signatures edXMLHeader holds (checked or not)."""
    sender: str | None = None
    """``From/OrganId`` of the (digest-checked) content, for the sender binding."""


class _Rebuild:
    """Re-serialises the events of the pass: each header signature with the
    namespaces in scope declared on it, and the skeleton."""

    def __init__(self) -> None:
        self.signatures: list[list[str]] = []
        self.skeleton: list[str] = []
        self._in_signature = 0
        self._payload = 0

    def __call__(
        self, kind: str, data: str, attributes: list[str] | None, index: int | None, scope: Any
    ) -> None:
        if kind == "start":
            assert attributes is not None
            pairs = [(attributes[i], attributes[i + 1]) for i in range(0, len(attributes), 2)]
            if index is not None:
                declared = {n for n, _ in pairs}
                inherited = [
                    ("xmlns" if not p else f"xmlns:{p}", uri)
                    for p, uri in scope.items()
                    if p != "xml" and ("xmlns" if not p else f"xmlns:{p}") not in declared
                ]
                self.signatures.append([])
                self._in_signature = 1
                self.signatures[-1].append(_tag(data, inherited + pairs))
                return
            if self._in_signature:
                self._in_signature += 1
                self.signatures[-1].append(_tag(data, pairs))
                return
            if self._payload or data.rpartition(":")[2] == _PAYLOAD:
                self._payload += 1
            self.skeleton.append(_tag(data, pairs))
        elif kind == "end":
            text = f"</{data}>"
            if self._in_signature:
                self._in_signature -= 1
                self.signatures[-1].append(text)
                return
            if self._payload:
                self._payload -= 1
            self.skeleton.append(text)
        elif self._in_signature:
            self.signatures[-1].append(escape_text(data))
        elif not self._payload:
            self.skeleton.append(escape_text(data))


def _is_legacy_signature(el: etree._Element) -> bool:
    if not isinstance(el.tag, str):
        return False
    name = etree.QName(el)
    return name.localname == "Signature" and name.namespace != DS


def _tag(qname: str, pairs: list[tuple[str, str]]) -> str:
    return "<" + qname + "".join(f' {n}="{escape_attr(v)}"' for n, v in pairs) + ">"


def _children(el: etree._Element) -> list[str]:
    """Local names of the element children, refusing anything but ds elements."""
    names = []
    for child in el:
        if not isinstance(child.tag, str):
            raise _Fallback  # comments and PIs inside the signature: signxml's business
        if not child.tag.startswith(f"{{{DS}}}"):
            raise _Fallback
        names.append(local_name(child))
    return names


def _check_shape(signature: etree._Element) -> None:
    """Raise _Fallback unless ``signature`` has exactly lienthong's shape."""
    if _children(signature) != ["SignedInfo", "SignatureValue", "KeyInfo"]:
        raise _Fallback
    signed_info, _, key_info = list(signature)
    if _children(signed_info) != ["CanonicalizationMethod", "SignatureMethod", "Reference"]:
        raise _Fallback
    c14n, _, reference = list(signed_info)
    if c14n.get("Algorithm") != _EXC_C14N or len(c14n):
        raise _Fallback
    if _children(reference) != ["Transforms", "DigestMethod", "DigestValue"]:
        raise _Fallback
    transforms, digest_method, _ = list(reference)
    algorithms = [t.get("Algorithm") for t in transforms]
    if any(len(t) for t in transforms) or algorithms not in (
        [_ENVELOPED],
        [_ENVELOPED, _EXC_C14N],
    ):
        raise _Fallback
    if digest_method.get("Algorithm") != _SHA256:
        raise _Fallback
    if set(_children(key_info)) != {"X509Data"}:
        raise _Fallback


def _text(signature: etree._Element, path: str) -> str:
    node = signature.find("/".join(f"{{{DS}}}{p}" for p in path.split("/")))
    return "".join((node.text or "").split()) if node is not None else ""


def _crypto(
    signature: etree._Element, digest: bytes, leaf: x509.Certificate
) -> tuple[bool, bool, str | None]:
    """(intact, valid, problem), as signxml answers them in :mod:`signing.xmlverify`."""
    signed_info = signature[0]
    method = _METHODS.get(signed_info[1].get("Algorithm") or "")
    if method is None or method not in _ACCEPTED_METHODS:
        return False, False, "malformed signature: the signature method is not accepted"
    try:
        value = base64.b64decode(_text(signature, "SignatureValue"), validate=True)
        claimed = base64.b64decode(
            _text(signature, "SignedInfo/Reference/DigestValue"), validate=True
        )
    except (binascii.Error, ValueError):
        return False, False, "malformed signature: SignatureValue or DigestValue is not base64"
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    algorithm = _HASHES[method.value.rsplit("-", 1)[-1]]()
    key = leaf.public_key()
    try:
        if "#rsa-" in method.value and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, canonical, padding.PKCS1v15(), algorithm)
        elif "#ecdsa-" in method.value and isinstance(key, ec.EllipticCurvePublicKey):
            half = len(value) // 2
            if not value or len(value) % 2:
                raise InvalidSignature
            der = encode_dss_signature(
                int.from_bytes(value[:half], "big"), int.from_bytes(value[half:], "big")
            )
            key.verify(der, canonical, ec.ECDSA(algorithm))
        else:
            return False, False, "malformed signature: the key does not fit the signature method"
    except InvalidSignature:
        return False, False, _signature_failure(SignxmlInvalid("Signature verification failed: "))
    if claimed != digest:
        return False, True, "the signed content was altered after signing (digest mismatch)"
    return True, True, None


async def verify_streamed(path: Path, checker: CertChecker, *, check_pdfs: bool) -> Streamed | None:
    """The verdict on the envelope at ``path``, or None when it needs signxml."""
    rebuild = _Rebuild()
    c14n = Canonicaliser(["sha256"], [None], on_event=rebuild, per_signature=True)
    try:
        with path.open("rb") as source:
            digests = c14n.run(source)
    except Unsupported:
        return None
    facts = c14n.facts
    problems = [
        f"a Signature element at {where} is outside edXMLHeader; only enveloped "
        "signatures in edXMLHeader are accepted"
        for where in facts.stray_signatures
    ]
    if not facts.header_found:
        problems.insert(0, "not an edXML envelope: edXML/edXMLEnvelope/edXMLHeader not found")
    count = len(rebuild.signatures)
    if count > MAX_SIGNATURES:
        problems.append(
            f"the envelope carries {count} signatures; at most {MAX_SIGNATURES} are accepted"
        )
        return Streamed((), tuple(problems), (), (), False, count)
    skeleton = xmlsafe.parse_bytes("".join(rebuild.skeleton).encode()).getroot()
    if any(_is_legacy_signature(el) for el in skeleton.iter()):
        return None  # a Signature outside the XML-DSig namespace: the tree verifier's legacy rules
    parsed = []
    try:
        for text in rebuild.signatures:
            signature = xmlsafe.parse_bytes("".join(text).encode()).getroot()
            _check_shape(signature)
            parsed.append(signature)
    except (_Fallback, MalformedXml):
        return None
    reports = []
    for index, signature in enumerate(parsed):
        reports.append(await _report(index, signature, digests[index], skeleton, checker))
    verified = any(r.intact and r.valid for r in reports)
    warnings: list[str] = []
    checked: tuple[AttachmentReport, ...] = ()
    if check_pdfs and count and not verified:
        warnings.append(
            "PDF attachments were not checked: no intact envelope signature covers them"
        )
    elif check_pdfs:
        checked = await _check_pdfs(path, skeleton, checker)
    return Streamed(
        tuple(reports),
        tuple(problems),
        tuple(warnings),
        checked,
        bool(count),
        count,
        sender_of(skeleton),
    )


async def _report(
    index: int,
    signature: etree._Element,
    digest: bytes,
    skeleton: etree._Element,
    checker: CertChecker,
) -> SignatureReport:
    facts = inspect_signed_info(signature)
    certs, problems = signature_problems(signature, facts)
    leaf = certs[0] if certs else None
    intact = valid = False
    if not problems and leaf is not None:
        intact, valid, problem = _crypto(signature, digest, leaf)
        if problem:
            problems.append(problem)
    signed_root = skeleton if intact and valid else None
    return await signature_report(
        index, facts, certs, problems, intact, valid, signed_root, checker
    )


# --------------------------------------------------------------------------- PDF attachments


async def _check_pdfs(
    path: Path, skeleton: etree._Element, checker: CertChecker
) -> tuple[AttachmentReport, ...]:
    from signing.pdfcheck import check_pdf

    refs = list(attachments(skeleton))
    wanted = {i for i, ref in enumerate(refs) if ref.is_pdf}
    if not wanted:
        return ()
    reports = []
    with _decoded_payloads(path, wanted) as payloads:
        for i in sorted(wanted):
            ref = refs[i]
            spooled = payloads.get(i)
            if spooled is None:
                reports.append(
                    AttachmentReport(
                        name=ref.name,
                        content_id=ref.content_id,
                        content_type=ref.content_type,
                        size=0,
                        problems=("the attachment is not valid base64",),
                    )
                )
                continue
            spooled.seek(0)
            reports.append(
                await check_pdf(ref.name, ref.content_id, ref.content_type, spooled, checker)
            )
    return tuple(reports)


@contextmanager
def _decoded_payloads(path: Path, wanted: set[int]) -> Iterator[dict[int, BinaryIO]]:
    """The decoded payloads of the attachments numbered ``wanted`` (in the order
    :func:`signing.envelope.attachments` yields them), each in a spooled file;
    an attachment whose base64 is invalid is missing from the answer."""
    files: dict[int, Any] = {}
    broken: set[int] = set()
    state: dict[str, Any] = {"path": [], "index": -1, "pending": "", "in": False}

    def start(name: str, _attrs: Any) -> None:
        local = name.rpartition(":")[2]
        stack = state["path"]
        stack.append(local)
        if len(stack) == 3 and stack[1] == "AttachmentEncoded" and local == "Attachment":
            state["index"] += 1
        state["in"] = (
            len(stack) == 4
            and stack[1] == "AttachmentEncoded"
            and stack[2] == "Attachment"
            and local == _PAYLOAD
            and state["index"] in wanted
            and state["index"] not in files
            and state["index"] not in broken
        )
        if state["in"]:
            files[state["index"]] = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115
            state["pending"] = ""

    def text(data: str) -> None:
        if not state["in"]:
            return
        joined = state["pending"] + "".join(data.split())
        cut = len(joined) - len(joined) % 4
        try:
            files[state["index"]].write(base64.b64decode(joined[:cut], validate=True))
        except (binascii.Error, ValueError):
            broken.add(state["index"])
            files.pop(state["index"]).close()
            state["in"] = False
            return
        state["pending"] = joined[cut:]

    def end(_name: str) -> None:
        if state["in"]:
            if state["pending"]:
                broken.add(state["index"])
                files.pop(state["index"]).close()
            state["in"] = False
        state["path"].pop()

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = 1 << 18
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        with path.open("rb") as source:
            while chunk := source.read(READ_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        yield files
    finally:
        for handle in files.values():
            handle.close()
