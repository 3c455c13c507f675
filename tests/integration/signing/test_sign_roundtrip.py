"""Sign -> verify round trips with file keys (RSA, EC, encrypted PKCS#8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from node.errors import SigningFailed
from signing.envelope import header_signatures
from signing.keys import KeyMaterialError, PemKeyFile
from signing.pki import TestPki
from signing.xmlsign import XmlSigner
from tests.support.signing_fixtures import (
    OTHER,
    SENDER,
    Checker,
    ds,
    parse,
    sample_document,
    signer_for,
    signer_from,
)

ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def test_rsa_signature_verifies_and_names_the_organ(signed_sample: bytes, checker: Checker) -> None:
    report = checker.report(signed_sample)

    assert report.accepted, report.reasons()
    (sig,) = report.signatures
    assert (sig.intact, sig.valid, sig.trusted, sig.revoked) == (True, True, True, False)
    assert sig.covers_whole_document
    assert not sig.weak_algorithm
    assert sig.algorithm == "rsa-sha256"
    assert sig.signer is not None
    assert sig.signer.organ_id == SENDER
    assert report.signer_organs == (SENDER,)


def test_signed_at_is_the_signers_trace_header_timestamp(
    signed_sample: bytes, checker: Checker
) -> None:
    (sig,) = checker.report(signed_sample).signatures

    assert sig.signed_at is not None
    assert sig.signed_at.isoformat() == "2026-11-20T09:15:00+07:00"
    assert sig.signed_at_source == "TraceHeader timestamp claimed by the signer"


def test_signature_has_the_shape_spec_5_prescribes(signed_sample: bytes) -> None:
    root = parse(signed_sample)
    (signature,) = header_signatures(root)
    reference = signature.find(ds("SignedInfo/Reference"))

    assert signature.getparent() is not None
    assert signature.getparent().tag.endswith("}edXMLHeader")
    assert signature.prefix is None  # <Signature xmlns="...xmldsig#">, no edXML prefix
    assert reference is not None
    assert reference.get("URI") == ""
    transforms = [t.get("Algorithm") for t in reference.findall(ds("Transforms/Transform"))]
    assert transforms == [ENVELOPED, EXC_C14N]
    assert signature.find(ds("KeyInfo/X509Data/X509Certificate")) is not None


def test_signing_keeps_the_document_content(signed_sample: bytes) -> None:
    original = parse(sample_document())
    signed = parse(signed_sample)
    for signature in header_signatures(signed):
        signature.getparent().remove(signature)

    assert [el.text for el in signed.iter()] == [el.text for el in original.iter()]


def test_ec_p256_signature_round_trip(ec_material: tuple[Path, Path], checker: Checker) -> None:
    cert, key = ec_material
    report = checker.report(signer_from(cert, key).sign(sample_document()))

    assert report.accepted, report.reasons()
    assert report.signatures[0].algorithm == "ecdsa-sha256"


def test_encrypted_pkcs8_key_signs_with_its_password(pki: TestPki, tmp_path: Path) -> None:
    material = pki.organ(SENDER)
    key = PemKeyFile(material.key).private_key()
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"mat khau"),
        )
    )

    signer = XmlSigner.from_source(SENDER, PemKeyFile(encrypted, b"mat khau"), material.cert)
    assert header_signatures(parse(signer.sign(sample_document())))

    with pytest.raises(KeyMaterialError, match="wrong password"):
        PemKeyFile(encrypted, b"sai").private_key()
    with pytest.raises(KeyMaterialError, match="encrypted"):
        PemKeyFile(encrypted).private_key()


def test_key_must_belong_to_the_certificate(pki: TestPki) -> None:
    with pytest.raises(KeyMaterialError, match="does not belong to certificate"):
        XmlSigner.from_source(SENDER, PemKeyFile(pki.organ(OTHER).key), pki.organ(SENDER).cert)


def test_certificate_must_name_the_organ(pki: TestPki) -> None:
    material = pki.organ(OTHER)
    with pytest.raises(KeyMaterialError, match=f"issued to organ {OTHER}, not {SENDER}"):
        XmlSigner.from_source(SENDER, PemKeyFile(material.key), material.cert)


def test_counter_signature_keeps_both_valid(pki: TestPki, checker: Checker) -> None:
    once = signer_for(pki, SENDER).sign(sample_document())
    twice = signer_for(pki, OTHER).sign(once)

    report = checker.report(twice)

    assert report.accepted, report.reasons()
    assert [s.ok for s in report.signatures] == [True, True]
    assert report.signer_organs == (SENDER, OTHER)


def test_signing_refuses_what_is_not_an_envelope(pki: TestPki) -> None:
    with pytest.raises(SigningFailed, match="edXMLHeader not found"):
        signer_for(pki, SENDER).sign(b"<edXML xmlns='urn:other'><x/></edXML>")
