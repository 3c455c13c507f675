"""The report: separate facts, reasons one sentence each, JSON and text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from signing.policy import VerificationPolicy
from signing.render import render_text
from signing.report import AttachmentReport, DocumentReport, SignatureKind, SignatureReport

WHEN = datetime(2026, 11, 20, 2, 15, tzinfo=UTC)


def _sig(index: int, kind: SignatureKind = SignatureKind.XML, **facts: object) -> SignatureReport:
    values: dict[str, object] = {
        "index": index,
        "kind": kind,
        "intact": True,
        "valid": True,
        "trusted": True,
        "revoked": False,
        "weak_algorithm": False,
        "covers_whole_document": True,
        "signer": None,
        "signed_at": WHEN,
        "signed_at_source": "reported by the signer",
        "algorithm": "rsa-sha256",
    }
    values.update(facts)
    return SignatureReport(**values)  # type: ignore[arg-type]


def _report(
    *signatures: SignatureReport, attachments: tuple[AttachmentReport, ...] = ()
) -> DocumentReport:
    return DocumentReport(
        path="doc.edxml",
        validation_time=WHEN,
        policy=VerificationPolicy(),
        signatures=signatures,
        attachments=attachments,
        attachments_from_verified_content=True,
    )


def test_reasons_name_the_signature_and_attachment() -> None:
    revoked = _sig(
        2,
        trusted=False,
        revoked=True,
        revoked_at=WHEN,
        problems=("certificate revoked on 2026-11-20 02:15 UTC (CRL; reason: key compromise)",),
    )
    pdf = AttachmentReport(
        name="qd.pdf",
        content_id=None,
        content_type="application/pdf",
        size=10,
        signatures=(
            _sig(1, SignatureKind.PDF, intact=False, problems=("the PDF content was altered",)),
        ),
    )

    report = _report(_sig(1), revoked, attachments=(pdf,))

    assert not report.accepted
    assert report.reasons() == (
        "signature 2: certificate revoked on 2026-11-20 02:15 UTC (CRL; reason: key compromise)",
        "attachment 'qd.pdf' signature 1: the PDF content was altered",
    )
    assert [s.verdict for s in report.signatures] == ["VALID", "REVOKED"]


def test_json_is_plain_data_with_stable_keys() -> None:
    data = json.loads(json.dumps(_report(_sig(1)).as_dict()))

    assert data["accepted"] is True
    assert data["validation_time"] == "2026-11-20T02:15:00+00:00"
    assert set(data["signatures"][0]) == {
        "index",
        "kind",
        "verdict",
        "intact",
        "valid",
        "trusted",
        "revoked",
        "revoked_at",
        "weak_algorithm",
        "covers_whole_document",
        "algorithm",
        "signer",
        "signed_at",
        "signed_at_source",
        "modification_level",
        "problems",
        "warnings",
    }


def test_text_report_reads_top_to_bottom() -> None:
    report = _report(
        _sig(1, trusted=False, problems=("certificate does not chain to a trusted root",))
    )

    text = render_text(report)

    assert text.splitlines()[0] == "doc.edxml: NOT VALID"
    assert "envelope signature 1: UNTRUSTED" in text
    assert "problem: certificate does not chain to a trusted root" in text


def test_unsigned_envelope_text() -> None:
    assert "envelope: no XML signature" in render_text(_report())
