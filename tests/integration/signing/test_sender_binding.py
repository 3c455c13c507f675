"""Issue 14 holes 1 and 2, issue 13's legacy signature: a signature binds the
sender, nothing unsigned travels inside a Signature, and a Signature in the
edXML namespace (as national files carry it) is verified, never ignored."""

from __future__ import annotations

import base64
import copy
from typing import cast

import pytest
from lxml import etree

import signing.verifier as verifier_module
from signing.envelope import DS
from signing.pki import TestPki
from signing.xmlverify import LEGACY_WARNING
from tests.support.signing_fixtures import (
    OTHER,
    SENDER,
    Checker,
    first_signature,
    header,
    parse,
    sample_document,
    serialise,
    signer_for,
)


@pytest.fixture(autouse=True, params=["tree", "streaming"])
def verifier_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every rule here holds on both verifiers: the tree one, and the streaming
    one that files of STREAM_AT bytes and more take."""
    monkeypatch.setattr(
        verifier_module, "STREAM_AT", 0 if request.param == "streaming" else 1 << 62
    )
    return str(request.param)


NOT_BOUND = (
    f"no signature binds the sender {SENDER}: signed by {OTHER}; the signer's organ "
    "must be the sender or be allowed to sign for it"
)


def test_a_trusted_signature_of_another_organ_does_not_bind_the_sender(
    pki: TestPki, checker: Checker
) -> None:
    forged = signer_for(pki, OTHER).sign(sample_document())  # From H41, signed by G22

    report = checker.report(forged)

    assert [s.ok for s in report.signatures] == [True]
    assert not report.accepted
    assert report.reasons() == (NOT_BOUND,)


def test_the_policy_may_let_an_organ_sign_for_the_sender(pki: TestPki, checker: Checker) -> None:
    signed = signer_for(pki, OTHER).sign(sample_document())

    assert checker.report(signed, signers_for=((OTHER, "*.*.*.H41"),)).accepted
    assert not checker.report(signed, signers_for=((OTHER, "*.*.*.K99"),)).accepted
    assert not checker.report(signed, signers_for=((SENDER, "*"),)).accepted


def test_a_counter_signature_by_the_sender_binds_it(pki: TestPki, checker: Checker) -> None:
    both = signer_for(pki, SENDER).sign(signer_for(pki, OTHER).sign(sample_document()))

    report = checker.report(both)

    assert report.accepted, report.reasons()
    assert report.signer_organs == (OTHER, SENDER)


def test_a_status_is_bound_to_its_reporter(pki: TestPki, checker: Checker) -> None:
    status = _status()
    report = checker.report(signer_for(pki, SENDER).sign(status))  # From 000.00.12.H41
    assert report.reasons() == (
        "no signature binds the sender 000.00.12.H41: signed by 000.00.00.H41; the "
        "signer's organ must be the sender or be allowed to sign for it",
    )
    allowed = checker.report(
        signer_for(pki, SENDER).sign(status), signers_for=((SENDER, "*.*.*.H41"),)
    )
    assert allowed.accepted, allowed.reasons()


def _status() -> bytes:
    from tests.support.signing_fixtures import SAMPLES

    return (SAMPLES / "status.edxml").read_bytes()


def _pdf_object(signature: etree._Element) -> None:
    hidden = etree.SubElement(signature, f"{{{DS}}}Object")
    hidden.text = base64.b64encode(b"%PDF-1.7 forged").decode()


def _forged_header_object(signature: etree._Element) -> None:
    root = signature.getroottree().getroot()
    message = next(el for el in header(root) if el.tag.endswith("}MessageHeader"))
    forged = copy.deepcopy(message)
    next(el for el in forged.iter() if el.tag.endswith("}Subject")).text = "giả mạo"
    etree.SubElement(signature, f"{{{DS}}}Object").append(forged)


def _foreign_element(signature: etree._Element) -> None:
    etree.SubElement(signature, "{urn:x}Payload").text = "unsigned"


def _key_info_extra(signature: etree._Element) -> None:
    key_info = signature.find(f"{{{DS}}}KeyInfo")
    assert key_info is not None
    etree.SubElement(key_info, f"{{{DS}}}RetrievalMethod", URI="file:///etc/passwd")


def _text_in_signature(signature: etree._Element) -> None:
    signature[-1].tail = "unsigned words"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (_pdf_object, "the Signature carries an element Object, which no signature covers"),
        (
            _forged_header_object,
            "the Signature carries an element Object, which no signature covers",
        ),
        (_foreign_element, "the Signature carries an element Payload, which no signature covers"),
        (_key_info_extra, "KeyInfo carries a RetrievalMethod element"),
        (_text_in_signature, "the Signature element carries text that the signature does not"),
    ],
)
def test_unsigned_content_inside_a_genuine_signature_is_refused(
    signed_sample: bytes, checker: Checker, tamper: object, reason: str
) -> None:
    root = parse(signed_sample)
    tamper(first_signature(root))  # type: ignore[operator]

    report = checker.report(serialise(root))

    assert not report.accepted
    assert len(report.reasons()) == 1
    assert report.reasons()[0].startswith(f"signature 1: {reason}")
    assert report.attachments == ()


def test_comments_in_key_info_are_harmless(signed_sample: bytes, checker: Checker) -> None:
    """National files comment out a KeyValue inside KeyInfo."""
    root = parse(signed_sample)
    key_info = first_signature(root).find(f"{{{DS}}}KeyInfo")
    assert key_info is not None
    key_info.insert(0, etree.Comment("<KeyValue>...</KeyValue>"))

    assert checker.report(serialise(root)).accepted


def _as_legacy(signed: bytes) -> bytes:
    """The signature as national files carry it: unprefixed, no XML-DSig
    declaration, so in the root's default (edXML) namespace."""
    text = signed.replace(b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"', b"<Signature")
    assert text != signed
    root = parse(text)
    assert not [el for el in header(root) if el.tag == f"{{{DS}}}Signature"]
    return text


def test_a_legacy_signature_is_verified_and_reported(
    signed_sample: bytes, checker: Checker
) -> None:
    report = checker.report(_as_legacy(signed_sample))

    assert report.accepted, report.reasons()
    assert [s.ok for s in report.signatures] == [True]
    assert report.signatures[0].warnings[0] == LEGACY_WARNING
    assert report.signer_organs == (SENDER,)


def test_a_broken_legacy_signature_fails_never_covers_nothing(
    signed_sample: bytes, checker: Checker
) -> None:
    legacy = _as_legacy(signed_sample).replace("Nghệ An".encode(), "Hà Nội".encode(), 1)

    report = checker.report(legacy)

    assert not report.accepted
    assert report.reasons() == (
        "signature 1: the signed content was altered after signing (digest mismatch)",
    )
    assert report.signatures[0].warnings[0] == LEGACY_WARNING


def test_a_legacy_signature_outside_the_header_is_refused(
    signed_sample: bytes, checker: Checker
) -> None:
    root = parse(_as_legacy(signed_sample))
    legacy = next(el for el in header(root) if cast(str, el.tag).endswith("}Signature"))
    root.append(legacy)

    report = checker.report(serialise(root))

    assert not report.accepted
    assert any("outside edXMLHeader" in r for r in report.reasons())
