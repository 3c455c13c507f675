"""Finding the header, its signatures and the attachments, namespace-agnostic where files vary."""

from __future__ import annotations

from lxml import etree

from signing.envelope import (
    attachments,
    claimed_signing_time,
    find_header,
    header_signatures,
    remove_keeping_tail,
    stray_signatures,
)

DS = "http://www.w3.org/2000/09/xmldsig#"


def _trace(organ: str, stamp: str) -> str:
    return f"<TraceHeader><OrganId>{organ}</OrganId><Timestamp>{stamp}</Timestamp></TraceHeader>"


def _doc(namespace: str, extra_header: str = "", attachments_xml: str = "") -> etree._Element:
    return etree.fromstring(
        f'<edXML xmlns="{namespace}"><edXMLEnvelope><edXMLHeader>'
        f"<TraceHeaderList>{_trace('000.00.00.G22', '2026/11/20 09:15:00')}"
        f"{_trace('000.00.00.G22', '2026/11/21 10:00:00')}"
        f"{_trace('000.00.00.H41', '2026/11/22 10:00:00')}"
        f"</TraceHeaderList>{extra_header}</edXMLHeader><edXMLBody/></edXMLEnvelope>"
        f"{attachments_xml}</edXML>".encode()
    )


def test_header_in_current_and_legacy_namespace() -> None:
    assert find_header(_doc("http://www.mic.gov.vn/TBT/QCVN_102_2016")) is not None
    assert find_header(_doc("http://www.e-doc.vn/Schema/")) is not None
    assert find_header(_doc("urn:something-else")) is None


def test_header_signatures_and_stray_ones() -> None:
    sig = f'<Signature xmlns="{DS}"/>'
    root = _doc(
        "http://www.mic.gov.vn/TBT/QCVN_102_2016",
        extra_header=sig + sig,
        attachments_xml=f"<AttachmentEncoded>{sig}</AttachmentEncoded>",
    )

    assert len(header_signatures(root)) == 2
    (stray,) = stray_signatures(root)
    assert stray.getparent() is not None
    assert stray.getparent().tag.endswith("AttachmentEncoded")


def test_attachments_without_namespace_prefix() -> None:
    root = _doc(
        "http://www.mic.gov.vn/TBT/QCVN_102_2016",
        attachments_xml=(
            '<AttachmentEncoded xmlns=""><Attachment><ContentId>cid:1</ContentId>'
            "<AttachmentName>QD.PDF</AttachmentName><ContentType>application/octet-stream</ContentType>"
            "<ContentTransferEncoded>JVBERg==</ContentTransferEncoded></Attachment>"
            "<Attachment><AttachmentName>a.docx</AttachmentName>"
            "<ContentType>application/pdf; charset=binary</ContentType>"
            "<ContentTransferEncoded/></Attachment></AttachmentEncoded>"
        ),
    )

    first, second = attachments(root)

    assert (first.name, first.content_id, first.encoded(), first.is_pdf) == (
        "QD.PDF",
        "cid:1",
        "JVBERg==",
        True,
    )
    assert second.is_pdf  # by content type


def test_claimed_signing_time_is_the_signers_latest_trace() -> None:
    root = _doc("http://www.mic.gov.vn/TBT/QCVN_102_2016")

    stamp = claimed_signing_time(root, "000.00.00.G22")

    assert stamp is not None
    assert stamp.isoformat() == "2026-11-21T10:00:00+07:00"
    assert claimed_signing_time(root, "000.00.00.A01") is None


def test_remove_keeping_tail() -> None:
    root = etree.fromstring("<a>x<b/>y<c/>z</a>")
    remove_keeping_tail(root[0])
    assert etree.tostring(root) == b"<a>xy<c/>z</a>"
    remove_keeping_tail(root[0])
    assert etree.tostring(root) == b"<a>xyz</a>"
