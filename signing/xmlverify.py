"""Verifying the envelope's XML signatures (domain §5), safely.

For every ``ds:Signature`` that is a direct child of ``edXMLHeader``:

1. its ``SignedInfo`` must have exactly one ``Reference URI=""`` with the
   enveloped-signature transform and c14n transforms only, so it covers the
   whole document; references to ids (``#x``), XPath or external URIs are
   refused before anything is resolved;
2. signxml checks the signature value and the digest (never hand-rolled), with
   the certificate from ``KeyInfo`` passed as ``x509_cert`` so that signxml
   does no trust decisions of its own; pyhanko-certvalidator then validates
   that certificate under our policy (:mod:`signing.certcheck`);
3. signatures are applied one after another, each covering the earlier ones:
   signature *i* is checked on the document without the signatures that
   follow it. A forged extra signature therefore fails on its own and is
   reported; it cannot disturb the others.

``Signature`` elements anywhere else are refused, and so is anything inside a
signature that no signature covers (``ds:Object``, foreign elements or text:
the enveloped transform leaves the whole Signature out of the digest). A
*legacy* signature (``Signature`` in the edXML namespace, as national files
carry it) is verified as XML-DSig in a copy where it is rebuilt in the
XML-DSig namespace, and reported with a warning. Only what signxml returns as
signed (``VerifyResult.signed_xml``) is read afterwards (attachments, signing
time): signature-wrapping tricks have nothing to hide behind.
"""

from __future__ import annotations

import copy as copy_module
import dataclasses
import functools
import threading
from dataclasses import dataclass
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from signing.certcheck import CertChecker, CertFacts
from signing.envelope import (
    DS,
    EDXML_NAMESPACES,
    claimed_signing_time,
    element_path,
    header_signatures,
    legacy_signatures,
    remove_keeping_tail,
    stray_signatures,
)
from signing.identity import SignerInfo
from signing.report import SignatureKind, SignatureReport
from signing.signedinfo import (
    SignedInfoFacts,
    inspect_signed_info,
    signing_certificates,
    unsigned_content,
)
from signing.xmlsign import MIN_EC_BITS, MIN_RSA_BITS, hardened_parser

_ACCEPTED_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA1,
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA1,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
_ACCEPTED_DIGESTS = frozenset(
    {DigestAlgorithm.SHA1, DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
)


MAX_SIGNATURES = 16
"""Each signature but the last costs a copy of the document: bound the work."""


class _EnvelopeVerifier(XMLVerifier):
    """signxml's verifier, pointed at the last signature in edXMLHeader.

    signxml verifies the first signature its ``location`` finds (signxml#59);
    our caller removes the signatures that follow the one being checked, so
    the one being checked is always the last in the header.
    """

    def __init__(self, parsed: etree._Element | None = None) -> None:
        super().__init__()
        self._parsed = parsed

    def get_root(self, data: Any) -> etree._Element:
        """The tree :mod:`node.xmlsafe` already parsed from these very bytes, with
        the same parser settings, when the caller has it: signxml would parse
        them again (it never modifies the root: it works on copies)."""
        if self._parsed is not None:
            return self._parsed
        root: etree._Element = super().get_root(data)  # type: ignore[no-untyped-call]
        return root

    def _get_signature(self, root: etree._Element) -> etree._Element:
        if root.tag == f"{{{DS}}}Signature":
            return root
        signatures = header_signatures(root)
        if not signatures:
            raise InvalidInput("no Signature element in edXMLHeader")
        return signatures[-1]


@dataclass(frozen=True)
class _Crypto:
    intact: bool
    valid: bool
    signed_root: etree._Element | None
    problem: str | None


@dataclass(frozen=True)
class XmlVerification:
    signatures: tuple[SignatureReport, ...]
    problems: tuple[str, ...]
    verified_root: etree._Element | None
    """The content covered by an intact, valid signature (for attachments), or None."""
    found: int = 0
    """How many signatures edXMLHeader holds (checked or not)."""


async def verify_envelope_signatures(
    data: bytes, root: etree._Element, checker: CertChecker
) -> XmlVerification:
    """Check every header signature of ``root``, the tree :mod:`node.xmlsafe`
    parsed from ``data``. signxml gets ``data`` itself (parsed again with an
    equivalent hardened parser): one serialisation less than handing it the tree."""
    problems = [
        f"a Signature element at {element_path(sig)} is outside edXMLHeader; only "
        "enveloped signatures in edXMLHeader are accepted"
        for sig in stray_signatures(root)
    ]
    legacy: set[int] = set()
    if legacy_signatures(root):
        data, root, legacy = _with_legacy_as_xmldsig(root)
    signatures = header_signatures(root)
    if len(signatures) > MAX_SIGNATURES:
        problems.append(
            f"the envelope carries {len(signatures)} signatures; at most {MAX_SIGNATURES} "
            "are accepted"
        )
        return XmlVerification((), tuple(problems), None, found=len(signatures))
    reports: list[SignatureReport] = []
    verified_root: etree._Element | None = None
    for index, signature in enumerate(signatures):
        report, signed_root = await _check_one(
            data, root, index, len(signatures), signature, checker
        )
        if index in legacy:
            report = dataclasses.replace(report, warnings=(LEGACY_WARNING, *report.warnings))
        reports.append(report)
        if verified_root is None and signed_root is not None:
            verified_root = signed_root
    return XmlVerification(tuple(reports), tuple(problems), verified_root, found=len(signatures))


async def _check_one(
    data: bytes,
    root: etree._Element,
    index: int,
    count: int,
    signature: etree._Element,
    checker: CertChecker,
) -> tuple[SignatureReport, etree._Element | None]:
    facts = inspect_signed_info(signature)
    certs, problems = signature_problems(signature, facts)
    leaf = certs[0] if certs else None
    crypto = _Crypto(False, False, None, None)
    if not problems and leaf is not None:
        last = index == count - 1  # ``root`` is the document as the last signature signed it
        crypto = _run_signxml(_document_for(data, root, index, count), leaf, root if last else None)
        if crypto.problem:
            problems.append(crypto.problem)
    report = await signature_report(
        index, facts, certs, problems, crypto.intact, crypto.valid, crypto.signed_root, checker
    )
    return report, crypto.signed_root if crypto.intact and crypto.valid else None


def signature_problems(
    signature: etree._Element, facts: SignedInfoFacts
) -> tuple[tuple[x509.Certificate, ...], list[str]]:
    """The signing certificates and what is wrong before any crypto: the
    SignedInfo, unsigned content inside the Signature, the certificates.
    Both verifiers (tree and streaming) start here."""
    certs, cert_problem = signing_certificates(signature)
    problems = list(facts.problems)
    unsigned = unsigned_content(signature)
    if unsigned:
        problems.append(unsigned)
    if cert_problem:
        problems.append(cert_problem)
    return certs, problems


async def signature_report(
    index: int,
    facts: SignedInfoFacts,
    certs: tuple[x509.Certificate, ...],
    problems: list[str],
    intact: bool,
    valid: bool,
    signed_root: etree._Element | None,
    checker: CertChecker,
) -> SignatureReport:
    """One signature's report once its crypto is known (``signed_root``: the
    content it verified, for the claimed signing time): certificate path,
    weak algorithms under the policy, signer. Shared by both verifiers."""
    policy = checker.policy
    leaf = certs[0] if certs else None
    cert = CertFacts(trusted=False)
    if leaf is not None:
        cert = await checker.check(leaf, certs[1:])
        problems.extend(cert.problems)
    weak, weak_reasons = _weakness(facts, leaf)
    weak = weak or cert.weak_algorithm
    warnings = list(cert.warnings)
    if weak_reasons and policy.allow_legacy:
        warnings.extend(f"{r} (accepted: legacy algorithms allowed)" for r in weak_reasons)
    elif weak_reasons:
        problems.extend(
            f"{r} is not accepted (allowed only with --allow-legacy)" for r in weak_reasons
        )
    signer = signer_info(leaf) if leaf is not None else None
    signed_at = (
        claimed_signing_time(signed_root, signer.organ_id)
        if signed_root is not None and signer is not None
        else None
    )
    return SignatureReport(
        index=index + 1,
        kind=SignatureKind.XML,
        intact=intact,
        valid=valid,
        trusted=intact and valid and cert.trusted,
        revoked=cert.revoked,
        revoked_at=cert.revoked_at,
        weak_algorithm=weak,
        covers_whole_document=facts.covers_whole_document,
        signer=signer,
        signed_at=signed_at,
        signed_at_source="TraceHeader timestamp claimed by the signer" if signed_at else None,
        algorithm=facts.algorithm,
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


LEGACY_WARNING = (
    "legacy signature: the Signature element is in the edXML namespace, not XML-DSig's "
    "(as national files carry it); it was verified as an XML-DSig signature"
)


def _with_legacy_as_xmldsig(root: etree._Element) -> tuple[bytes, etree._Element, set[int]]:
    """A copy of the document with every legacy signature rebuilt in the XML-DSig
    namespace (unprefixed, as its signer wrote it), its bytes, and the positions
    of the rebuilt signatures among the header's signatures. Nothing else changes,
    so the digests are those of the original; a legacy signature is checked like
    any other and fails like any other: never taken as covering nothing."""
    copy = etree.fromstring(etree.tostring(root), parser=hardened_parser())
    rebuilt = []
    for old in legacy_signatures(copy):
        new = etree.Element(f"{{{DS}}}Signature", nsmap=cast(dict[str, str], {None: DS}))
        _copy_into_ds(old, new)
        new.tail = old.tail
        parent = old.getparent()
        assert parent is not None
        parent.replace(old, new)
        rebuilt.append(new)
    data = bytes(etree.tostring(copy))
    reparsed = etree.fromstring(data, parser=hardened_parser())
    signatures = header_signatures(reparsed)
    positions = {i for i, sig in enumerate(header_signatures(copy)) if sig in rebuilt}
    return data, reparsed, {i for i in positions if i < len(signatures)}


def _copy_into_ds(source: etree._Element, target: etree._Element) -> None:
    for name, value in source.attrib.items():
        target.set(name, value)
    target.text = source.text
    for child in source:
        if not isinstance(child.tag, str):
            copied = copy_module.copy(child)
            copied.tail = child.tail
            target.append(copied)
            continue
        local = child.tag.rsplit("}", 1)[-1]
        namespace = child.tag[1:].split("}", 1)[0] if child.tag.startswith("{") else ""
        tag = f"{{{DS}}}{local}" if namespace in EDXML_NAMESPACES else child.tag
        sub = etree.SubElement(target, tag)
        _copy_into_ds(child, sub)
        sub.tail = child.tail


def _document_for(data: bytes, root: etree._Element, index: int, count: int) -> bytes:
    """The document as signature ``index`` signed it: without the later signatures."""
    if index == count - 1:
        return data
    copy = etree.fromstring(etree.tostring(root), parser=hardened_parser())
    for later in header_signatures(copy)[index + 1 :]:
        remove_keeping_tail(later)
    return bytes(etree.tostring(copy))


def _run_signxml(
    document: bytes, leaf: x509.Certificate, parsed: etree._Element | None = None
) -> _Crypto:
    config = SignatureConfiguration(
        require_x509=True,
        expect_references=1,
        signature_methods=_ACCEPTED_METHODS,
        digest_algorithms=_ACCEPTED_DIGESTS,
        # Trust and validity periods are pyhanko-certvalidator's job (certcheck);
        # signxml only checks the cryptography, at a time the certificate is valid.
        verification_time=leaf.not_valid_before_utc,
        default_reference_c14n_method=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    try:
        result: Any = _EnvelopeVerifier(parsed).verify(
            document, x509_cert=leaf, parser=_thread_parser(), expect_config=config
        )
    except InvalidDigest:
        return _Crypto(
            False, True, None, "the signed content was altered after signing (digest mismatch)"
        )
    except InvalidSignature as exc:
        return _Crypto(False, False, None, _signature_failure(exc))
    except etree.DocumentInvalid as exc:
        return _Crypto(False, False, None, f"malformed Signature element: {exc}")
    except (InvalidInput, ValueError) as exc:
        return _Crypto(False, False, None, f"malformed signature: {exc}")
    except Exception as exc:  # noqa: BLE001 - signxml on hostile input; never leak a traceback
        return _Crypto(False, False, None, f"malformed signature ({type(exc).__name__}: {exc})")
    return _Crypto(True, True, result.signed_xml, None)


_parsers = threading.local()


def _thread_parser() -> etree.XMLParser:
    """One hardened parser per thread for signxml's copies (as a caller reusing
    one parser would): a new parser sets up a new parsing context."""
    parser: etree.XMLParser | None = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = hardened_parser()
    return parser


@functools.lru_cache(maxsize=256)
def signer_info(cert: x509.Certificate) -> SignerInfo:
    """:meth:`SignerInfo.of`, remembered per certificate (names are costly to render)."""
    return SignerInfo.of(cert)


def _signature_failure(exc: InvalidSignature) -> str:
    return (
        "the signature value does not verify with the certificate's key "
        f"(signature altered, or made with another key): {exc}"
    )


def _weakness(facts: SignedInfoFacts, leaf: x509.Certificate | None) -> tuple[bool, list[str]]:
    reasons = []
    if facts.algorithm and "sha1" in facts.algorithm:
        reasons.append(f"weak signature algorithm {facts.algorithm} (SHA-1)")
    if facts.digest and "sha1" in facts.digest:
        reasons.append(f"weak digest algorithm {facts.digest} (SHA-1)")
    if leaf is not None:
        key = leaf.public_key()
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            reasons.append(f"weak RSA key of {key.key_size} bits")
        if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < MIN_EC_BITS:
            reasons.append(f"weak EC curve {key.curve.name}")
    return bool(reasons), reasons
