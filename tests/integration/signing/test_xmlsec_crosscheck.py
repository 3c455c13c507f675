"""Issue 13: an independent XML-DSig check. python-xmlsec (libxmlsec1, a C
implementation that shares no code with signxml or our streaming signer)
verifies what lienthong signs, with the certificate chain checked against the
test CA; and lienthong's verifier accepts what xmlsec signs (enveloped,
exclusive c14n, RSA-SHA256, the X509 certificate in KeyInfo) and refuses it
once tampered with."""

from __future__ import annotations

import io
import os
import re
from types import ModuleType

import pytest
from lxml import etree

import signing.verifier as verifier_module
from signing.envelope import DS
from signing.pki import TestPki
from signing.streamsign import sign_stream
from signing.xmlsign import sign_envelope
from tests.support.env import missing
from tests.support.signing_fixtures import (
    OTHER,
    SENDER,
    Checker,
    sample_document,
    signer_for,
    with_attachment,
)


@pytest.fixture(scope="module")
def xmlsec() -> ModuleType:
    try:
        import xmlsec
    except ImportError as exc:  # the dev extra installs it (pyproject.toml)
        missing(f"python-xmlsec is not installed: {exc}")
    return xmlsec


def _parse(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    return etree.fromstring(xml, parser)


def xmlsec_verifies(xmlsec: ModuleType, xml: bytes, pki: TestPki) -> int:
    """How many header signatures libxmlsec1 verifies, trusting only the test CA
    (the signer's certificate comes from KeyInfo). Raises on the first failure.

    Signatures are checked last first: a counter-signature covers the
    signatures before it; an earlier one was made before the later ones
    existed, so it is checked with them taken off (what lienthong's verifier
    does), the enveloped transform itself removing only its own Signature."""
    root = _parse(xml)
    header = next(el for el in root.iter() if el.tag.endswith("}edXMLHeader"))
    signatures = header.findall(f"{{{DS}}}Signature")
    assert signatures, "no signature to verify"
    for signature in reversed(signatures):
        manager = xmlsec.KeysManager()
        manager.load_cert(
            str(pki.directory / "ca.pem"),
            xmlsec.constants.KeyDataFormatPem,
            xmlsec.constants.KeyDataTypeTrusted,
        )
        context = xmlsec.SignatureContext(manager)
        context.verify(signature)
        header.remove(signature)
    return len(signatures)


def xmlsec_sign(xmlsec: ModuleType, xml: bytes, pki: TestPki, organ: str) -> bytes:
    """``xml`` signed by libxmlsec1 as an edXML sender would: enveloped, exclusive
    c14n, RSA-SHA256, SHA-256 digest, the certificate in KeyInfo/X509Data."""
    root = _parse(xml)
    header = next(el for el in root.iter() if el.tag.endswith("}edXMLHeader"))
    constants = xmlsec.constants
    signature = xmlsec.template.create(
        root, constants.TransformExclC14N, constants.TransformRsaSha256
    )
    header.append(signature)
    reference = xmlsec.template.add_reference(signature, constants.TransformSha256, uri="")
    xmlsec.template.add_transform(reference, constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    x509_data = xmlsec.template.add_x509_data(key_info)
    xmlsec.template.x509_data_add_certificate(x509_data)
    material = pki.organ(organ)
    context = xmlsec.SignatureContext()
    key = xmlsec.Key.from_file(str(material.key), constants.KeyDataFormatPem)
    key.load_cert_from_file(str(material.cert), constants.KeyDataFormatPem)
    context.key = key
    context.sign(signature)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@pytest.fixture(params=["tree", "streaming"])
def verifier_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """lienthong's two verifiers: the tree one, and the streaming one big files take."""
    monkeypatch.setattr(
        verifier_module, "STREAM_AT", 0 if request.param == "streaming" else 1 << 62
    )
    return str(request.param)


# ---------------------------------------------------------------- xmlsec verifies ours


def _tree_signed(pki: TestPki, xml: bytes) -> bytes:
    signer = signer_for(pki, SENDER)
    return sign_envelope(xml, signer._key, signer._chain)


def _stream_signed(pki: TestPki, xml: bytes) -> bytes:
    signer = signer_for(pki, SENDER)
    out = io.BytesIO()
    done = sign_stream(io.BytesIO(xml), out, signer._key, signer._chain, signer._method)
    assert done is not None, "the streaming signer left this document to signxml"
    return out.getvalue()


SIGNERS = {"tree (signxml)": _tree_signed, "streaming": _stream_signed}
BIG = os.urandom(3 << 20)  # ~4 MiB of base64 in the envelope


def big_document() -> bytes:
    return with_attachment(sample_document(), BIG, "du-lieu.bin", "application/octet-stream")


def altered_subject(xml: bytes) -> bytes:
    return re.sub(rb"(<(?:\w+:)?Subject>)", rb"\1X", xml, count=1)


@pytest.mark.parametrize("signer", sorted(SIGNERS))
@pytest.mark.parametrize("document", ["sample", "with a 3 MiB attachment"])
def test_xmlsec_verifies_what_lienthong_signs(
    xmlsec: ModuleType, pki: TestPki, signer: str, document: str
) -> None:
    xml = sample_document() if document == "sample" else big_document()

    signed = SIGNERS[signer](pki, xml)

    assert xmlsec_verifies(xmlsec, signed, pki) == 1


def test_xmlsec_verifies_a_counter_signed_document(xmlsec: ModuleType, pki: TestPki) -> None:
    first = signer_for(pki, OTHER).sign(sample_document())
    both = _stream_signed(pki, first)  # the second signature covers the first

    assert xmlsec_verifies(xmlsec, both, pki) == 2


def test_xmlsec_refuses_what_was_altered_after_lienthong_signed(
    xmlsec: ModuleType, pki: TestPki
) -> None:
    signed = _stream_signed(pki, sample_document())
    altered = altered_subject(signed)
    assert altered != signed

    with pytest.raises(xmlsec.VerificationError):
        xmlsec_verifies(xmlsec, altered, pki)


# ---------------------------------------------------------------- we verify xmlsec's


def test_lienthong_accepts_what_xmlsec_signs(
    xmlsec: ModuleType, pki: TestPki, checker: Checker, verifier_path: str
) -> None:
    signed = xmlsec_sign(xmlsec, sample_document(), pki, SENDER)

    report = checker.report(signed)

    assert report.accepted, report.reasons()
    assert report.signer_organs == (SENDER,)
    assert [s.ok for s in report.signatures] == [True]


def test_lienthong_accepts_a_big_document_xmlsec_signs(
    xmlsec: ModuleType, pki: TestPki, checker: Checker, verifier_path: str
) -> None:
    signed = xmlsec_sign(xmlsec, big_document(), pki, SENDER)

    report = checker.report(signed)

    assert report.accepted, report.reasons()


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (altered_subject, "digest mismatch"),
        (lambda x: x.replace(b"<SignatureValue>", b"<SignatureValue>AAAA", 1), ""),
    ],
    ids=["content", "signature value"],
)
def test_lienthong_refuses_what_was_altered_after_xmlsec_signed(
    xmlsec: ModuleType,
    pki: TestPki,
    checker: Checker,
    verifier_path: str,
    tamper: object,
    reason: str,
) -> None:
    signed = xmlsec_sign(xmlsec, sample_document(), pki, SENDER)
    altered = tamper(signed)  # type: ignore[operator]
    assert altered != signed

    report = checker.report(altered)

    assert not report.accepted
    assert reason in " ".join(report.reasons())


def test_an_xmlsec_signature_by_another_organ_does_not_bind_the_sender(
    xmlsec: ModuleType, pki: TestPki, checker: Checker, verifier_path: str
) -> None:
    signed = xmlsec_sign(xmlsec, sample_document(), pki, OTHER)

    report = checker.report(signed)

    assert [s.ok for s in report.signatures] == [True]
    assert not report.accepted
