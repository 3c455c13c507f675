"""Input variants real systems send are accepted and read like the canonical form."""

from __future__ import annotations

import pytest

from node.edxml import build
from node.model import LEGACY_NAMESPACE, NAMESPACE, MessageKind
from node.validation import parse, validate_bytes


def _move(text: str, element: str, before: str) -> str:
    """Move the first ``<edXML:element>…</edXML:element>`` block before ``before``."""
    start = text.index(f"<edXML:{element}>")
    end = text.index(f"</edXML:{element}>") + len(f"</edXML:{element}>")
    block = text[start:end]
    text = text[:start] + text[end:]
    at = text.index(before)
    return text[:at] + block + text[at:]


def test_legacy_namespace_is_accepted(sample_document: bytes) -> None:
    legacy = sample_document.replace(NAMESPACE.encode(), LEGACY_NAMESPACE.encode())
    assert parse(legacy) == parse(sample_document)


def test_attachments_without_namespace(sample_document: bytes) -> None:
    text = sample_document.decode()
    text = text.replace(
        '<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">',
        f'<edXML:edXML xmlns:edXML="{NAMESPACE}">',
    )
    text = text.replace("</edXML>\n", "</edXML:edXML>\n")
    text = text.replace("<edXML:edXMLEnvelope xmlns:edXML=", "<edXML:edXMLEnvelope xmlns:x=")
    # AttachmentEncoded and its children now have no namespace at all
    report = validate_bytes(text.encode())
    assert report.valid, report.issues
    assert report.envelope == parse(sample_document)


def test_status_wrapped_in_status_is_accepted(sample_status: bytes) -> None:
    """Real files and the national library wrap a status in MessageHeader (the
    sample does); the Status wrapper is accepted too, and answered in the
    MessageHeader form."""
    assert b"<edXML:MessageHeader>" in sample_status
    wrapped = sample_status.replace(b"edXML:MessageHeader>", b"edXML:Status>")
    env = parse(wrapped)
    assert env.kind is MessageKind.STATUS
    assert env == parse(sample_status)
    assert build(env) == sample_status  # we emit the MessageHeader wrapper


def test_status_error_paths_say_what_the_file_says(sample_status: bytes) -> None:
    for wrapper in (b"MessageHeader", b"Status"):
        wrapped = sample_status.replace(b"edXML:MessageHeader>", b"edXML:" + wrapper + b">")
        broken = wrapped.replace(b"<edXML:StatusCode>03<", b"<edXML:StatusCode>99<")
        report = validate_bytes(broken)
        assert [i.path for i in report.issues] == [
            "/edXML/edXMLEnvelope/edXMLHeader/" + wrapper.decode() + "/StatusCode"
        ]


def test_business_spelling_variant(sample_document: bytes) -> None:
    variant = sample_document.replace(b"edXML:Bussiness>", b"edXML:Business>")
    assert parse(variant) == parse(sample_document)


def test_qcvn_order_document_id_last_and_to_places_before_other_info(
    sample_document: bytes,
) -> None:
    text = sample_document.decode()
    text = _move(text, "ToPlaces", "<edXML:OtherInfo>")
    text = _move(text, "DocumentId", "</edXML:MessageHeader>")
    assert text != sample_document.decode()
    assert parse(text.encode()) == parse(sample_document)


def test_children_of_single_blocks_in_any_order(sample_document: bytes) -> None:
    text = sample_document.decode()
    text = _move(text, "OrganId", "</edXML:From>")  # OrganId last in From
    text = _move(text, "CodeNumber", "</edXML:Code>")
    assert parse(text.encode()) == parse(sample_document)


def test_comments_and_base64_line_breaks_are_fine(sample_document: bytes) -> None:
    text = sample_document.decode()
    start = text.index("<edXML:ContentTransferEncoded")
    start = text.index(">", start) + 1
    end = text.index("</edXML:ContentTransferEncoded>")
    b64 = text[start:end]
    wrapped = "\n" + "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76)) + "\n"
    text = text[:start] + wrapped + text[end:]
    text = text.replace("<edXML:Subject>V/v", "<edXML:Subject><!-- note -->V/v")
    assert parse(text.encode()) == parse(sample_document)


@pytest.mark.parametrize(
    "missing", ["Description", "OrganizationInCharge", "SignerInfo", "DueDate"]
)
def test_optional_elements_may_be_missing(sample_document: bytes, missing: str) -> None:
    text = sample_document.decode()
    start = text.index(f"<edXML:{missing}>")
    end = text.index(f"</edXML:{missing}>") + len(f"</edXML:{missing}>")
    assert validate_bytes((text[:start] + text[end:]).encode()).valid


SIGNATURE = (
    b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/>'
    b"<SignatureValue>AAAA</SignatureValue></Signature>"
)


def test_signatures_at_the_end_of_the_header_are_counted(sample_document: bytes) -> None:
    data = sample_document.replace(b"</edXML:edXMLHeader>", SIGNATURE * 2 + b"</edXML:edXMLHeader>")
    env = parse(data)
    assert env.signature_count == 2
    assert build(env) == sample_document  # signatures are never emitted by build


def test_signature_elsewhere_is_refused(sample_document: bytes) -> None:
    data = sample_document.replace(b"<edXML:Subject>", SIGNATURE + b"<edXML:Subject>")
    report = validate_bytes(data)
    assert [i.message for i in report.issues] == [
        "element {http://www.w3.org/2000/09/xmldsig#}Signature is not allowed here; "
        "expected Subject"
    ]
