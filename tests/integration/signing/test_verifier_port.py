"""The node's view: DocumentVerifier as node.ports.driven.Verifier, the key ring as KeyRing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from node.errors import SignatureRejected
from node.ports.driven import KeyRing, Verifier
from signing.keyring import OrganKey, build_key_ring
from signing.keys import KeyMaterialError
from signing.pki import TestPki
from signing.policy import VerificationPolicy
from signing.trust import TrustStoreError
from signing.verifier import DocumentUnreadable, DocumentVerifier
from tests.support.signing_fixtures import OTHER, SENDER, sample_document


def _verifier(pki: TestPki) -> Verifier:
    return DocumentVerifier(VerificationPolicy(trust_dir=pki.directory))


def _key_ring(pki: TestPki) -> KeyRing:
    material = pki.organ(SENDER)
    return build_key_ring([OrganKey(SENDER, cert=material.cert, key=material.key)])


def test_node_signs_with_the_key_ring_and_accepts_its_own_signature(
    pki: TestPki, tmp_path: Path
) -> None:
    signer = _key_ring(pki).signer_for(SENDER)
    assert signer is not None
    assert signer.organ_id == SENDER
    path = tmp_path / "signed.edxml"
    path.write_bytes(signer.sign(sample_document()))

    outcome = _verifier(pki).verify(path)

    assert outcome.accepted
    assert outcome.reasons == ()
    assert outcome.signer_organs == (SENDER,)
    assert not outcome.weak_algorithm
    assert outcome.report["accepted"] is True
    assert outcome.report["signatures"][0]["signer"]["organ_id"] == SENDER


def test_key_ring_has_no_signer_for_other_organs(pki: TestPki) -> None:
    assert _key_ring(pki).signer_for(OTHER) is None


def test_refusal_says_why(pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "unsigned.edxml"
    path.write_bytes(sample_document())

    outcome = _verifier(pki).verify(path)
    error = SignatureRejected("; ".join(outcome.reasons), outcome.reasons)

    assert not outcome.accepted
    assert error.reasons == ("the envelope carries no signature",)
    assert error.detail == "the envelope carries no signature"
    assert error.http_status == 400
    assert error.kind == "signature-rejected"


def test_malformed_xml_is_refused_not_raised(pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "broken.edxml"
    path.write_bytes(b"<edXML><unclosed></edXML>")

    outcome = _verifier(pki).verify(path)

    assert not outcome.accepted
    assert outcome.reasons[0].startswith("the document cannot be parsed: ")


def test_unsafe_xml_is_refused(pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "xxe.edxml"
    path.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><edXML>&e;</edXML>'
    )

    outcome = _verifier(pki).verify(path)

    assert not outcome.accepted
    assert "DOCTYPE" in outcome.reasons[0]


def test_missing_file_raises_unreadable(pki: TestPki, tmp_path: Path) -> None:
    with pytest.raises(DocumentUnreadable, match="cannot read"):
        _verifier(pki).verify(tmp_path / "missing.edxml")


def test_missing_trust_dir_fails_at_start(tmp_path: Path) -> None:
    verifier = DocumentVerifier(VerificationPolicy(trust_dir=tmp_path / "nowhere"))
    with pytest.raises(TrustStoreError, match="does not exist"):
        verifier.check_trust_store()


def test_key_ring_reads_the_key_password_from_the_environment(pki: TestPki, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from signing.keys import PemKeyFile

    material = pki.organ(SENDER)
    encrypted = tmp_path / "k.pem"
    encrypted.write_bytes(
        PemKeyFile(material.key)
        .private_key()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    spec = OrganKey(SENDER, cert=material.cert, key=encrypted, key_password_env="LT_KEY_PW")

    ring = build_key_ring([spec], environ={"LT_KEY_PW": "s3cret"})
    assert ring.signer_for(SENDER) is not None
    with pytest.raises(KeyMaterialError, match="LT_KEY_PW"):
        build_key_ring([spec], environ={})


def test_key_ring_refuses_two_keys_for_one_organ(pki: TestPki) -> None:
    material = pki.organ(SENDER)
    spec = OrganKey(SENDER, cert=material.cert, key=material.key)
    with pytest.raises(KeyMaterialError, match="two signing keys"):
        build_key_ring([spec, spec])


# --------------------------------------------------------------------------- averify: on the loop


async def test_averify_on_a_running_loop_answers_as_verify(pki: TestPki, tmp_path: Path) -> None:
    signer = _key_ring(pki).signer_for(SENDER)
    assert signer is not None
    signed = tmp_path / "signed.edxml"
    signed.write_bytes(signer.sign(sample_document()))
    unsigned = tmp_path / "unsigned.edxml"
    unsigned.write_bytes(sample_document())
    broken = tmp_path / "broken.edxml"
    broken.write_bytes(b"<edXML><unclosed></edXML>")
    tampered = tmp_path / "tampered.edxml"
    tampered.write_bytes(signed.read_bytes().replace(b"UBND", b"UBNX", 1))
    verifier = _verifier(pki)

    for path in (signed, unsigned, broken, tampered):
        on_loop = await verifier.averify(path)  # no private loop: this one is running
        in_thread = await asyncio.to_thread(verifier.verify, path)
        assert (on_loop.accepted, on_loop.reasons) == (in_thread.accepted, in_thread.reasons)
        assert on_loop.signer_organs == in_thread.signer_organs
    assert (await verifier.averify(signed)).accepted
    assert not (await verifier.averify(tampered)).accepted
    assert (await verifier.averify(broken)).reasons[0].startswith("the document cannot be parsed")


async def test_averify_of_a_missing_file_raises_unreadable(pki: TestPki, tmp_path: Path) -> None:
    with pytest.raises(DocumentUnreadable, match="cannot read"):
        await _verifier(pki).averify(tmp_path / "missing.edxml")


def test_a_file_key_signs_in_process(pki: TestPki) -> None:
    signer = _key_ring(pki).signer_for(SENDER)
    assert getattr(signer, "in_process", None) is True


def test_a_token_key_does_not_sign_in_process(pki: TestPki) -> None:
    """Without a device: a key object of the PKCS#11 kind (every signature a call
    to the token) makes a signer that the node never runs on its event loop."""
    import threading

    from signing.keys import load_certificates
    from signing.pkcs11 import Pkcs11RsaKey
    from signing.xmlsign import XmlSigner

    chain = load_certificates(pki.organ(SENDER).cert)
    public = chain[0].public_key()
    signer = XmlSigner(SENDER, Pkcs11RsaKey(None, None, public, threading.Lock()), chain)
    assert signer.in_process is False
