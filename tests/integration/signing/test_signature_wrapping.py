"""Signature-wrapping variants fail; only verified content is ever read."""

from __future__ import annotations

import copy
from typing import cast

from lxml import etree
from signxml.algorithms import CanonicalizationMethod, SignatureMethod
from signxml.signer import XMLSigner

from signing.envelope import DS
from signing.keys import PemKeyFile, load_certificates
from signing.pki import TestPki
from tests.support.signing_fixtures import (
    SENDER,
    Checker,
    first_signature,
    header,
    parse,
    sample_document,
    serialise,
    signer_for,
    with_attachment,
)

DIGEST_MISMATCH = "signature 1: the signed content was altered after signing (digest mismatch)"


def _message_header(root: etree._Element) -> etree._Element:
    found = next(el for el in header(root) if el.tag.endswith("}MessageHeader"))
    return cast(etree._Element, found)


def test_moved_signed_element_with_forged_replacement_fails(
    signed_sample: bytes, checker: Checker
) -> None:
    root = parse(signed_sample)
    original = _message_header(root)
    forged = copy.deepcopy(original)
    subject = next(el for el in forged.iter() if el.tag.endswith("}Subject"))
    subject.text = "Quyết định giả mạo"
    # The classic wrap: the signed element hides in ds:Object, a forgery takes its place.
    hiding = etree.SubElement(first_signature(root), f"{{{DS}}}Object")
    original.addprevious(forged)
    hiding.append(original)

    report = checker.report(serialise(root))

    assert not report.accepted
    assert report.reasons() == (
        "signature 1: the Signature carries an element Object, which no signature covers "
        "(only SignedInfo, SignatureValue and KeyInfo are accepted: nothing unsigned may "
        "travel inside the document)",
    )


def test_duplicated_attachment_fails_and_no_pdf_is_read(
    signed_sample: bytes, pki: TestPki, checker: Checker
) -> None:
    root = parse(signed_sample)
    block = next(el for el in root if el.tag.endswith("AttachmentEncoded"))
    block.append(copy.deepcopy(block[0]))
    pdf = pki.organ(SENDER).sample_pdf.read_bytes()
    forged = with_attachment(serialise(root), pdf)

    report = checker.report(forged)

    assert report.reasons() == (DIGEST_MISMATCH,)
    assert report.attachments == ()
    assert "no intact envelope signature covers them" in report.warnings[0]


def test_reference_to_another_id_is_refused(pki: TestPki, checker: Checker) -> None:
    root = parse(sample_document())
    _message_header(root).set("Id", "hdr")
    etree.SubElement(
        header(root), f"{{{DS}}}Signature", nsmap=cast(dict[str, str], {None: DS}), Id="placeholder"
    )
    material = pki.organ(SENDER)
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(
        root,
        key=PemKeyFile(material.key).private_key(),
        cert=list(load_certificates(material.cert)),
        reference_uri="#hdr",
    )

    report = checker.report(serialise(signed))

    assert not report.accepted
    (sig,) = report.signatures
    assert not sig.covers_whole_document
    assert sig.problems == (
        "the signature covers only the element '#hdr', not the whole document "
        '(only URI="" is accepted)',
    )


def test_signature_outside_the_header_is_refused(signed_sample: bytes, checker: Checker) -> None:
    root = parse(signed_sample)
    signature = first_signature(root)
    next(el for el in root if el.tag.endswith("AttachmentEncoded")).append(signature)

    report = checker.report(serialise(root))

    assert not report.accepted
    assert report.reasons() == (
        "a Signature element at /edXML/AttachmentEncoded/Signature is outside edXMLHeader; "
        "only enveloped signatures in edXMLHeader are accepted",
        "the envelope carries no signature",
    )


def test_attachments_are_read_from_the_verified_content(pki: TestPki, checker: Checker) -> None:
    pdf = pki.organ(SENDER).sample_pdf.read_bytes()
    signed = signer_for(pki, SENDER).sign(with_attachment(sample_document(), pdf))
    root = parse(signed)
    encoded = [el for el in root.iter() if el.tag.endswith("ContentTransferEncoded")][-1]
    assert encoded.text is not None
    # Comments are not signed (exclusive c14n without comments). A reader of the
    # file as received would see only the text before the comment: a broken PDF.
    head, rest = encoded.text[:100], encoded.text[100:]
    encoded.text = head
    encoded.append(etree.Comment(" inserted in transit "))
    encoded[-1].tail = rest

    report = checker.report(serialise(root))

    assert report.accepted, report.reasons()
    assert report.attachments_from_verified_content
    (attachment,) = report.attachments
    assert attachment.size == len(pdf)
    assert attachment.signatures[0].ok
