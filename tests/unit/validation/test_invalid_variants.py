"""Distinct ways to break a message, each rejected with its own specific message
at the right place."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from node.validation import validate_bytes
from tests.unit.validation.edits import attachment_block, remove, set_text

H = "/edXML/edXMLEnvelope/edXMLHeader"
MH = H + "/MessageHeader"

Edit = Callable[[bytes], bytes]

DOCUMENT_CASES: list[tuple[str, Edit, str, str]] = [
    (
        "organ-id-lowercase",
        lambda d: set_text(d, "OrganId", "000.00.12.h41", 2),
        MH + "/To[1]/OrganId",
        "organ id '000.00.12.h41' must be dot-separated groups of characters 0-9 and A-Z",
    ),
    (
        "organ-id-too-long",
        lambda d: set_text(d, "OrganId", "1" * 36, 1),
        MH + "/From/OrganId",
        "is longer than 35 characters",
    ),
    ("no-recipient", lambda d: remove(remove(d, "To"), "To"), MH, "at least one To"),
    (
        "impossible-date",
        lambda d: set_text(d, "DueDate", "2026/02/30"),
        MH + "/DueDate",
        "'2026/02/30' is not a real calendar date",
    ),
    (
        "date-format",
        lambda d: set_text(d, "PromulgationDate", "20-11-2026"),
        MH + "/PromulgationInfo/PromulgationDate",
        "'20-11-2026' is not a date in the format yyyy/MM/dd",
    ),
    (
        "document-id-shape",
        lambda d: set_text(d, "DocumentId", "000.00.00.H41-1234"),
        MH + "/DocumentId",
        "must have the form {sender OrganId},{yyyy/MM/dd},{CodeNumber}/{CodeNotation}",
    ),
    (
        "document-id-sender",
        lambda d: set_text(d, "DocumentId", "000.00.00.G22,2026/11/20,1234/UBND-KGVX"),
        MH + "/DocumentId",
        "starts with OrganId '000.00.00.G22' but the sender (From/OrganId) is '000.00.00.H41'",
    ),
    ("document-id-missing", lambda d: remove(d, "DocumentId"), MH, "missing DocumentId"),
    (
        "priority-not-integer",
        lambda d: set_text(d, "Priority", "high"),
        MH + "/OtherInfo/Priority",
        "must be an integer, got 'high'",
    ),
    (
        "priority-out-of-range",
        lambda d: set_text(d, "Priority", "4"),
        MH + "/OtherInfo/Priority",
        "Priority 4 is outside 0..3 (lienthong's rule",
    ),
    (
        "steering-type-not-integer",
        lambda d: set_text(d, "SteeringType", "x"),
        MH + "/SteeringType",
        "must be an integer, got 'x'",
    ),
    (
        "unknown-element",
        lambda d: d.replace(b"<edXML:Subject>", b"<edXML:Foo/><edXML:Subject>"),
        MH + "/Foo",
        "element Foo is not allowed here; expected Subject",
    ),
    (
        "text-in-complex-element",
        lambda d: d.replace(b"<edXML:Code>", b"<edXML:Code>junk"),
        MH + "/Code",
        "text is not allowed directly in Code",
    ),
    (
        "reference-without-attachment",
        lambda d: d.replace(attachment_block(d), b""),
        "/edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference",
        "manifest Reference 'cid:1' has no Attachment with that ContentId",
    ),
    (
        "attachment-not-in-manifest",
        lambda d: d.replace(
            b"</AttachmentEncoded>",
            attachment_block(d).replace(b"cid:1", b"cid:9") + b"</AttachmentEncoded>",
        ),
        "/edXML/AttachmentEncoded/Attachment[2]",
        "Attachment 'cid:9' is not listed in the manifest",
    ),
    (
        "duplicate-attachment",
        lambda d: d.replace(b"</AttachmentEncoded>", attachment_block(d) + b"</AttachmentEncoded>"),
        "/edXML/AttachmentEncoded/Attachment[2]",
        "2 Attachments have ContentId 'cid:1'; exactly one may",
    ),
    (
        "bad-base64",
        lambda d: d.replace(b">S8Otbmgg", b">S8Ot*mgg"),
        "/edXML/AttachmentEncoded/Attachment/ContentTransferEncoded",
        "not valid base64: character '*' (U+002A) at position 5 is not in the base64 alphabet",
    ),
    (
        "truncated-base64",
        lambda d: d.replace(b"SBJVi4K<", b"SBJVi4<"),
        "/edXML/AttachmentEncoded/Attachment/ContentTransferEncoded",
        "not a multiple of 4 (truncated?)",
    ),
    (
        "unknown-business-doc-type",
        lambda d: set_text(d, "BussinessDocType", "9"),
        H + "/TraceHeaderList/Bussiness/BussinessDocType",
        "BussinessDocType 9 is unknown",
    ),
    (
        "attribute-not-allowed",
        lambda d: d.replace(b'version="1.0">', b'version="1.0" foo="x">'),
        "/edXML/edXMLEnvelope/edXMLBody/edXMLManifest",
        "attribute 'foo' is not allowed on edXMLManifest",
    ),
    (
        "empty-content-id",
        lambda d: set_text(d, "ContentId", " "),
        "/edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentId",
        "must not be empty",
    ),
    (
        "wrong-root",
        lambda d: d.replace(b"<edXML xmlns", b"<Other xmlns").replace(b"</edXML>\n", b"</Other>\n"),
        "/Other",
        "the root element must be edXML in namespace http://www.mic.gov.vn/TBT/QCVN_102_2016",
    ),
    (
        "boolean",
        lambda d: set_text(d, "Direction", "maybe"),
        MH + "/OtherInfo/Direction",
        "must be true or false (or 1 or 0), got 'maybe'",
    ),
]

STATUS_CASES: list[tuple[str, Edit, str, str]] = [
    (
        "unknown-status-code",
        lambda d: set_text(d, "StatusCode", "42"),
        MH + "/StatusCode",
        "unknown status code '42'; known codes: 01, 02, 03, 04, 05, 06, 13, 15, 16",
    ),
    (
        "status-code-shape",
        lambda d: set_text(d, "StatusCode", "3"),
        MH + "/StatusCode",
        "status code must be two digits, got '3'",
    ),
    (
        "status-without-response-for",
        lambda d: remove(d, "ResponseFor"),
        MH,
        "a status message needs ResponseFor",
    ),
    (
        "impossible-timestamp",
        lambda d: set_text(d, "Timestamp", "2026/11/20 24:00:00"),
        MH + "/Timestamp",
        "'2026/11/20 24:00:00' is not a real calendar date and time",
    ),
    (
        "timestamp-format",
        lambda d: set_text(d, "Timestamp", "2026-11-20T10:02:11", 2),
        H + "/TraceHeaderList/TraceHeader/Timestamp",
        "is not a timestamp in the format yyyy/MM/dd HH:mm:ss",
    ),
    (
        "response-for-document-id",
        lambda d: set_text(d, "DocumentId", "nonsense"),
        MH + "/ResponseFor/DocumentId",
        "DocumentId 'nonsense' must have the form",
    ),
    (
        "missing-status-code",
        # without its StatusCode a MessageHeader is a document: the Status wrapper
        lambda d: remove(d, "StatusCode").replace(b"edXML:MessageHeader>", b"edXML:Status>"),
        H + "/Status",
        "missing child element StatusCode",
    ),
]


def _check(data: bytes, path: str, message: str) -> None:
    report = validate_bytes(data)
    assert not report.valid
    assert report.envelope is None
    matching = [i for i in report.issues if message in i.message]
    assert matching, [str(i) for i in report.issues]
    assert matching[0].path == path
    assert matching[0].line is not None
    assert matching[0].line > 1
    assert len(report.issues) == 1, [str(i) for i in report.issues]


@pytest.mark.parametrize(
    ("edit", "path", "message"), [c[1:] for c in DOCUMENT_CASES], ids=[c[0] for c in DOCUMENT_CASES]
)
def test_document_variant_rejected(
    sample_document: bytes, edit: Edit, path: str, message: str
) -> None:
    _check(edit(sample_document), path, message)


@pytest.mark.parametrize(
    ("edit", "path", "message"), [c[1:] for c in STATUS_CASES], ids=[c[0] for c in STATUS_CASES]
)
def test_status_variant_rejected(sample_status: bytes, edit: Edit, path: str, message: str) -> None:
    _check(edit(sample_status), path, message)


def test_variants_are_distinct() -> None:
    messages = [c[3] for c in DOCUMENT_CASES + STATUS_CASES]
    assert len(set(messages)) == len(messages) >= 15


def test_line_number_points_at_the_element(sample_document: bytes) -> None:
    data = set_text(sample_document, "DueDate", "2026/02/30")
    line = data.decode().splitlines().index("        <edXML:DueDate>2026/02/30</edXML:DueDate>") + 1
    assert validate_bytes(data).issues[0].line == line


def test_several_problems_are_all_reported(sample_document: bytes) -> None:
    data = set_text(set_text(sample_document, "DueDate", "2026/02/30"), "Priority", "9")
    messages = [i.message for i in validate_bytes(data).issues]
    assert len(messages) == 2
