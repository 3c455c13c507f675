"""Signatures inside PDF attachments: valid, modified, unsigned, untrusted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from node.modes import PdfMode
from signing.keys import PemKeyFile, load_certificates
from signing.pdfsample import minimal_pdf, sign_pdf
from signing.pki import TestPki
from signing.report import DocumentReport
from tests.support.signing_fixtures import (
    SENDER,
    Checker,
    sample_document,
    signer_for,
    with_attachment,
)


@pytest.fixture
def envelope_with(pki: TestPki, checker: Checker):  # type: ignore[no-untyped-def]
    """Sign an envelope carrying ``pdf`` and verify it."""

    def check(
        data: bytes,
        name: str = "cong-van.pdf",
        content_type: str = "application/pdf",
        **policy: object,
    ) -> DocumentReport:
        document = with_attachment(sample_document(), data, name, content_type)
        signed = signer_for(pki, SENDER).sign(document)
        return checker.report(signed, **policy)  # type: ignore[no-any-return]

    return check


def _signed_by(material_cert: Path, material_key: Path) -> bytes:
    key = PemKeyFile(material_key).private_key()
    return sign_pdf(minimal_pdf("Cong van so 1234"), key, load_certificates(material_cert))


def test_signed_pdf_is_reported_valid(pki: TestPki, envelope_with) -> None:  # type: ignore[no-untyped-def]
    report = envelope_with(pki.organ(SENDER).sample_pdf.read_bytes())

    assert report.accepted, report.reasons()
    (attachment,) = report.attachments
    assert attachment.name == "cong-van.pdf"
    assert attachment.content_type == "application/pdf"
    (sig,) = attachment.signatures
    assert (sig.intact, sig.valid, sig.trusted, sig.revoked) == (True, True, True, False)
    assert sig.covers_whole_document
    assert sig.modification_level == "none"
    assert sig.signer is not None
    assert sig.signer.organ_id == SENDER
    assert sig.signed_at is not None
    assert sig.signed_at_source == "reported by the signer"


def test_pdf_changed_inside_the_signed_bytes_is_not_intact(pki: TestPki, envelope_with) -> None:  # type: ignore[no-untyped-def]
    pdf = pki.organ(SENDER).sample_pdf.read_bytes()
    altered = pdf.replace(b"TEST ONLY - sample document", b"TEST ONLY - forged document")
    assert altered != pdf
    assert len(altered) == len(pdf)

    report = envelope_with(altered)

    (sig,) = report.attachments[0].signatures
    assert not sig.intact
    assert (
        "attachment 'cong-van.pdf' signature 1: the PDF content was altered after signing "
        "(digest mismatch)" in report.reasons()
    )


def test_pdf_modified_after_signing_is_refused(pki: TestPki, envelope_with) -> None:  # type: ignore[no-untyped-def]
    writer = IncrementalPdfFileWriter(io.BytesIO(pki.organ(SENDER).sample_pdf.read_bytes()))
    forged = generic.StreamObject(stream_data=b"BT /F1 30 Tf 72 400 Td (DA SUA) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(forged))
    out = io.BytesIO()
    writer.write(out)

    report = envelope_with(out.getvalue())

    (sig,) = report.attachments[0].signatures
    assert sig.intact
    assert sig.valid
    assert not sig.covers_whole_document
    assert sig.modification_level == "other"
    assert report.reasons() == (
        "attachment 'cong-van.pdf' signature 1: the PDF was modified after signing "
        "(modifications: other)",
    )


def test_unsigned_pdf_is_reported_not_refused(envelope_with) -> None:  # type: ignore[no-untyped-def]
    report = envelope_with(minimal_pdf("Phu luc"))

    assert report.accepted
    assert report.attachments[0].signatures == ()
    assert report.attachments[0].warnings == ("the PDF is not signed",)


def test_unsigned_pdf_is_refused_when_policy_requires_signed_pdfs(envelope_with) -> None:  # type: ignore[no-untyped-def]
    report = envelope_with(minimal_pdf("Phu luc"), require_signed_pdf=True)

    assert report.reasons() == ("attachment 'cong-van.pdf': the PDF is not signed",)


def test_pdf_signed_by_an_untrusted_key(foreign_pki: TestPki, envelope_with) -> None:  # type: ignore[no-untyped-def]
    material = foreign_pki.organ(SENDER)
    report = envelope_with(_signed_by(material.cert, material.key))

    (sig,) = report.attachments[0].signatures
    assert sig.intact
    assert sig.valid
    assert not sig.trusted
    assert report.reasons() == (
        "attachment 'cong-van.pdf' signature 1: certificate does not chain to a trusted root",
    )


def test_report_mode_turns_pdf_problems_into_warnings(foreign_pki: TestPki, envelope_with) -> None:  # type: ignore[no-untyped-def]
    material = foreign_pki.organ(SENDER)
    report = envelope_with(_signed_by(material.cert, material.key), pdf=PdfMode.REPORT)

    assert report.accepted
    (sig,) = report.attachments[0].signatures
    assert not sig.trusted
    assert sig.warnings == ("certificate does not chain to a trusted root",)


def test_garbage_named_pdf_is_unreadable(envelope_with) -> None:  # type: ignore[no-untyped-def]
    report = envelope_with(b"not a pdf at all")

    (reason,) = report.reasons()
    assert reason.startswith("attachment 'cong-van.pdf': not a readable PDF")


def test_non_pdf_attachments_are_not_opened(envelope_with) -> None:  # type: ignore[no-untyped-def]
    report = envelope_with(b"PK\x03\x04 zip", name="phu-luc.zip", content_type="application/zip")

    assert report.attachments == ()
    assert report.accepted
