"""Streaming signatures (signing.streamsign, signing.streamverify) against
signxml: signxml verifies what the streaming signer makes, the streaming
verifier accepts what signxml signs, and on altered, wrapped and
counter-signed documents the two verifiers give the same report."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml.verifier import XMLVerifier

import signing.verifier as verifier_module
from signing.envelope import header_signatures
from signing.pki import TestPki
from signing.policy import VerificationPolicy
from signing.streamc14n import prepare_file
from signing.streamsign import sign_stream
from signing.verifier import DocumentVerifier
from signing.xmlsign import hardened_parser, sign_envelope
from tests.support.signing_fixtures import (
    OTHER,
    SENDER,
    parse,
    sample_document,
    serialise,
    signer_for,
    with_attachment,
)


def report_of(
    tmp: Path, trust: Path, xml: bytes, *, streaming: bool, **policy: Any
) -> dict[str, Any]:
    path = tmp / f"doc-{len(list(tmp.iterdir()))}.edxml"
    path.write_bytes(xml)
    patch = pytest.MonkeyPatch()
    patch.setattr(verifier_module, "STREAM_AT", 0 if streaming else 1 << 62)
    try:
        report = DocumentVerifier(VerificationPolicy(trust_dir=trust, **policy)).report(path)
    finally:
        patch.undo()
    data = report.as_dict()
    data.pop("path")
    data.pop("validation_time")
    return data


@pytest.fixture
def both(tmp_path: Path, pki: TestPki) -> Callable[..., dict[str, Any]]:
    """The report of both verifiers on ``xml``, asserted equal."""

    def check(xml: bytes, **policy: Any) -> dict[str, Any]:
        streamed = report_of(tmp_path, pki.directory, xml, streaming=True, **policy)
        reference = report_of(tmp_path, pki.directory, xml, streaming=False, **policy)
        assert streamed == reference
        return streamed

    return check


def tampered(xml: bytes) -> bytes:
    return xml.replace("báo cáo tình hình".encode(), "hủy bỏ tình hình".encode())


def swapped_value(xml: bytes) -> bytes:
    root = parse(xml)
    value = header_signatures(root)[0].find("{http://www.w3.org/2000/09/xmldsig#}SignatureValue")
    assert value is not None
    raw = bytearray(base64.b64decode("".join((value.text or "").split())))
    raw[5] ^= 0xFF
    value.text = base64.b64encode(bytes(raw)).decode()
    return serialise(root)


def test_the_two_verifiers_agree(pki: TestPki, both: Callable[..., dict[str, Any]]) -> None:
    signer = signer_for(pki, SENDER)
    signed = signer.sign(sample_document())
    counter = signer_for(pki, OTHER).sign(signed)
    assert both(signed)["accepted"]
    assert both(counter)["accepted"]
    assert not both(tampered(signed))["accepted"]
    assert not both(swapped_value(signed))["accepted"]
    assert not both(sample_document())["accepted"]  # unsigned
    assert not both(tampered(counter))["accepted"]
    assert not both(swapped_value(counter))["accepted"]  # the first one forged


def test_pdf_attachments_are_checked_from_a_spooled_file(
    pki: TestPki, both: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    document = with_attachment(sample_document(), pki.organ(SENDER).sample_pdf.read_bytes())
    report = both(signer_for(pki, SENDER).sign(document))
    assert report["accepted"]
    assert report["attachments"]


def test_big_documents_are_verified_streaming(pki: TestPki, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Above STREAM_AT the verifier never calls signxml."""
    signed = signer_for(pki, SENDER).sign(sample_document())
    path = tmp_path / "doc.edxml"
    path.write_bytes(signed)
    monkeypatch.setattr(verifier_module, "STREAM_AT", 0)

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("signxml was called")

    monkeypatch.setattr("signing.xmlverify._run_signxml", refuse)
    report = DocumentVerifier(VerificationPolicy(trust_dir=pki.directory)).report(path)
    assert report.accepted, report.reasons()


# --------------------------------------------------------------------------- generated documents

_BODY_TEXT = (
    st.lists(st.sampled_from([*"aZ 09\t\n<>&\"'éĐứ😀", "\r\n"]), max_size=40)
    .map("".join)
    .map(lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
)


@st.composite
def edxml(draw: st.DrawFn) -> bytes:
    """The sample document with generated content in its header and body:
    comments, CDATA, PIs, foreign namespaces, attributes in any order."""
    extra = []
    for kind in draw(
        st.lists(st.sampled_from(["text", "comment", "cdata", "pi", "el"]), max_size=5)
    ):
        text = draw(_BODY_TEXT)
        if kind == "comment":
            extra.append(f"<!--{text.replace('-', '')}-->")
        elif kind == "cdata":
            extra.append(f"<![CDATA[{text.replace(']]', '')}]]>")
        elif kind == "pi":
            extra.append(f"<?note {text.replace('?', '')}?>")
        elif kind == "el":
            attrs = draw(
                st.permutations(['z="1"', f'x:a="{text.replace(chr(34), "&quot;")}"', 'a="&#x9;"'])
            )
            extra.append(f'<x:Note xmlns:x="urn:x" {" ".join(attrs)}>{text}</x:Note>')
    where = draw(st.sampled_from(["</edXML:edXMLHeader>", "</AttachmentEncoded>"]))
    data = sample_document()
    assert where.encode() in data
    return data.replace(where.encode(), "".join(extra).encode() + where.encode(), 1)


def signxml_verifies(signed: bytes, pki: TestPki) -> None:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(pki.organ(SENDER).cert.read_bytes())  # leaf first
    XMLVerifier().verify(signed, x509_cert=cert, parser=hardened_parser())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edxml())
def test_signxml_verifies_what_the_streaming_signer_makes(pki: TestPki, document: bytes) -> None:
    signer = signer_for(pki, SENDER)
    out = io.BytesIO()
    done = sign_stream(io.BytesIO(document), out, signer._key, signer._chain, signer._method)
    if done is None:  # a shape left to signxml (non-ASCII PI): XmlSigner falls back
        signxml_verifies(signer.sign(document), pki)
        return
    signxml_verifies(out.getvalue(), pki)
    # the bytes outside the new Signature are the document's own
    signed = out.getvalue()
    start = signed.index(b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">')
    end = signed.index(b"</Signature>", start) + len(b"</Signature>")
    assert signed[:start] + signed[end:] == document


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edxml())
def test_the_streaming_verifier_accepts_what_signxml_signs(
    pki: TestPki, tmp_path_factory: pytest.TempPathFactory, document: bytes
) -> None:
    signer = signer_for(pki, SENDER)
    signed = sign_envelope(document, signer._key, signer._chain)
    tmp = tmp_path_factory.mktemp("gen")
    streamed = report_of(tmp, pki.directory, signed, streaming=True)
    assert streamed["accepted"], streamed
    assert streamed == report_of(tmp, pki.directory, signed, streaming=False)
    etree.fromstring(signed, hardened_parser())  # well-formed, for the record


def test_a_digest_made_ahead_signs_the_same_bytes_and_only_its_own_file(
    tmp_path: Path, pki: TestPki
) -> None:
    """node/offload.py's worker makes the digest (prepare_file) while the node
    validates: the signature is the same bytes as one made in one go, and a
    digest of another file, or of this one before it changed, is not used."""
    signer = signer_for(pki, SENDER)
    source, other = tmp_path / "d.xml", tmp_path / "other.xml"
    source.write_bytes(sample_document())
    other.write_bytes(sample_document().replace(b"</edXML>", b" </edXML>", 1))
    assert source.read_bytes() != other.read_bytes()
    prepared, foreign = prepare_file(str(source)), prepare_file(str(other))
    assert prepared is not None
    assert foreign is not None
    assert prepared != foreign

    outputs = {}
    for name, ahead in (("alone", None), ("ahead", prepared), ("foreign", foreign)):
        target = tmp_path / f"{name}.xml"
        outputs[name] = (signer.sign_file(source, target, ahead), target.read_bytes())
    assert outputs["ahead"] == outputs["alone"]
    assert outputs["foreign"] == outputs["alone"], "another file's digest is not signed"

    source.write_bytes(source.read_bytes().replace(b"</edXML>", b"\n</edXML>", 1))
    changed = tmp_path / "changed.xml"
    signer.sign_file(source, changed, prepared)
    XMLVerifier().verify(
        changed.read_bytes(), x509_cert=signer.certificate, parser=hardened_parser()
    )
