"""What a ``ds:Signature`` claims, read before verifying, to refuse what we never accept.

These reads only ever *refuse*: a signature passes on to signxml only if its
``SignedInfo`` has the one shape lienthong accepts (one whole-document
reference, enveloped + c14n transforms). signxml then verifies that very
``SignedInfo``, so what was inspected here is what gets verified.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, SignatureConstructionMethod

from signing.envelope import DS
from signing.trust import is_ca

_ENVELOPED = SignatureConstructionMethod.enveloped.value
_C14N = frozenset(m.value for m in CanonicalizationMethod)


@functools.cache
def _ds(path: str) -> str:
    return "/".join(f"{{{DS}}}{part}" for part in path.split("/"))


def _first(el: etree._Element, *path: str) -> etree._Element | None:
    """``el.find("ds:a/ds:b")`` (first match in document order) without ElementPath."""
    if not path:
        return el
    for child in el.iterchildren(_ds(path[0])):
        found = _first(child, *path[1:])
        if found is not None:
            return found
    return None


def _all(el: etree._Element, name: str) -> list[etree._Element]:
    return list(el.iterchildren(_ds(name)))


@dataclass(frozen=True)
class SignedInfoFacts:
    algorithm: str | None
    """Short name of the signature method, e.g. ``rsa-sha256``."""
    digest: str | None
    """Short name of the reference digest, e.g. ``sha256``."""
    covers_whole_document: bool
    problems: tuple[str, ...]


def _short(uri: str | None) -> str | None:
    return uri.rsplit("#", 1)[-1] if uri else None


def inspect_signed_info(signature: etree._Element) -> SignedInfoFacts:
    signed_info = _first(signature, "SignedInfo")
    if signed_info is None:
        return SignedInfoFacts(None, None, False, ("malformed signature: no SignedInfo",))
    method = _first(signed_info, "SignatureMethod")
    algorithm = _short(method.get("Algorithm")) if method is not None else None
    references = _all(signed_info, "Reference")
    problems = [p for p in (_reference_problem(ref) for ref in references) if p]
    if not references:
        problems.append("malformed signature: SignedInfo has no Reference")
    elif len(references) > 1:
        problems.append(
            f"the signature has {len(references)} references; exactly one, covering "
            'the whole document (URI=""), is accepted'
        )
    digest_method = _first(references[0], "DigestMethod") if references else None
    digest = _short(digest_method.get("Algorithm")) if digest_method is not None else None
    covers = len(references) == 1 and not problems
    return SignedInfoFacts(algorithm, digest, covers, tuple(problems))


def _reference_problem(reference: etree._Element) -> str | None:
    uri = reference.get("URI")
    if uri is None:
        return 'a reference has no URI; only whole-document references (URI="") are accepted'
    if uri.startswith("#"):
        return (
            f"the signature covers only the element {uri!r}, not the whole document "
            '(only URI="" is accepted)'
        )
    if uri != "":
        return f'the signature refers to an external resource {uri!r} (only URI="" is accepted)'
    algorithms = [
        t.get("Algorithm")
        for transforms in _all(reference, "Transforms")
        for t in _all(transforms, "Transform")
    ]
    if _ENVELOPED not in algorithms:
        return "the signature does not use the enveloped-signature transform"
    unknown = [a for a in algorithms if a != _ENVELOPED and a not in _C14N]
    if unknown:
        return f"unsupported transform {unknown[0]!r} (only enveloped-signature and c14n)"
    return None


NOT_X509 = "certificate in KeyInfo is not valid DER/X.509"


def signing_certificates(
    signature: etree._Element,
) -> tuple[tuple[x509.Certificate, ...], str | None]:
    """Certificates of ``KeyInfo/X509Data``, signer first, or a problem.

    X509Data implies no order: the signer is the one certificate that issued
    none of the others and is not a CA. A certificate that does not parse
    completely (cryptography and asn1crypto, which path validation uses) is
    a problem here, never an exception later.
    """
    x509_data = _first(signature, "KeyInfo", "X509Data")
    elements = _all(x509_data, "X509Certificate") if x509_data is not None else []
    if not elements:
        return (), "no X.509 certificate in KeyInfo/X509Data"
    return certificates_of(tuple("".join((el.text or "").split()) for el in elements))


@functools.lru_cache(maxsize=256)
def certificates_of(
    encoded: tuple[str, ...],
) -> tuple[tuple[x509.Certificate, ...], str | None]:
    """:func:`signing_certificates` of base64 texts, remembered: a node sees the
    same few organisation certificates all day, and a full parse costs more
    than checking the signature. The answer depends on the texts alone."""
    certs = []
    for index, text in enumerate(encoded, start=1):
        try:
            der = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return (), f"{NOT_X509}: X509Certificate {index} is not valid base64"
        try:
            certs.append(_parsed(der))
        except Exception as exc:  # noqa: BLE001 - hostile bytes; any failure is the answer
            return (), f"{NOT_X509}: X509Certificate {index}: {_reason(exc)}"
    issuers = {c.issuer for c in certs}
    leaves = [c for c in certs if c.subject not in issuers and not is_ca(c)]
    if len(certs) == 1:
        leaves = certs
    if len(leaves) != 1:
        return (), "cannot tell the signer's certificate among those in KeyInfo"
    leaf = leaves[0]
    return (leaf, *(c for c in certs if c is not leaf)), None


def _parsed(der: bytes) -> x509.Certificate:
    """Parse everything verification reads later, so that malformed parts fail here."""
    cert = x509.load_der_x509_certificate(der)
    cert.subject.rfc4514_string()
    cert.issuer.rfc4514_string()
    _ = cert.serial_number, cert.not_valid_before_utc, cert.not_valid_after_utc
    _ = cert.extensions, cert.signature_hash_algorithm
    cert.public_key()
    parsed = asn1_x509.Certificate.load(der, strict=True)
    _ = parsed.native  # asn1crypto parses lazily: force every field now
    return cert


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


_DSIG11 = "http://www.w3.org/2009/xmldsig11#"
_SIGNATURE_CHILDREN = ("SignedInfo", "SignatureValue", "KeyInfo")
_KEY_INFO_TAGS = frozenset(
    {
        *(
            f"{{{DS}}}{name}"
            for name in (
                "X509Data",
                "X509Certificate",
                "X509IssuerSerial",
                "X509IssuerName",
                "X509SerialNumber",
                "X509SubjectName",
                "X509SKI",
                "X509CRL",
                "KeyName",
                "KeyValue",
                "RSAKeyValue",
                "Modulus",
                "Exponent",
            )
        ),
        *(f"{{{_DSIG11}}}{name}" for name in ("ECKeyValue", "NamedCurve", "PublicKey")),
    }
)
_CONTAINERS = frozenset(
    f"{{{DS}}}{name}" for name in ("X509Data", "X509IssuerSerial", "KeyValue", "RSAKeyValue")
) | {f"{{{_DSIG11}}}ECKeyValue"}


def unsigned_content(signature: etree._Element) -> str | None:
    """What ``signature`` carries that no signature covers, or None.

    The enveloped transform takes the whole Signature out of the digest, so
    anything inside it but ``SignedInfo`` (covered by the signature value)
    travels unsigned: a ``ds:Object`` can carry a forged MessageHeader or a
    PDF. Only ``SignedInfo``, ``SignatureValue`` and a ``KeyInfo`` holding the
    signer's certificates and key names are accepted (comments and whitespace
    aside); anything else is refused, not ignored."""
    seen: list[str] = []
    problem = _stray_text(signature)
    if problem:
        return problem
    for child in signature:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        local = child.tag.rsplit("}", 1)[-1]
        if child.tag != _ds(local) or local not in _SIGNATURE_CHILDREN or local in seen:
            return (
                f"the Signature carries an element {local}, which no signature covers "
                "(only SignedInfo, SignatureValue and KeyInfo are accepted: nothing "
                "unsigned may travel inside the document)"
            )
        seen.append(local)
        if local == "KeyInfo":
            for el in child.iterdescendants():
                if not isinstance(el.tag, str):
                    continue
                if el.tag not in _KEY_INFO_TAGS:
                    name = el.tag.rsplit("}", 1)[-1]
                    return (
                        f"KeyInfo carries a {name} element, which the signature does not "
                        "cover (only X.509 certificates and key names are accepted)"
                    )
            for el in (child, *child.iterdescendants(*_CONTAINERS)):
                problem = _stray_text(el)
                if problem:
                    return problem
    if seen[:2] != ["SignedInfo", "SignatureValue"]:
        return "malformed signature: SignedInfo and SignatureValue must come first, in order"
    return None


def _stray_text(el: etree._Element) -> str | None:
    texts = [el.text, *(child.tail for child in el)]
    if any(t and t.strip() for t in texts):
        name = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else "?"
        return f"the {name} element carries text that the signature does not cover"
    return None
