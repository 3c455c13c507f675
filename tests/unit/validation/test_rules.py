"""One test per business rule beyond the XSD, plus the things real systems vary on
that must stay accepted."""

from __future__ import annotations

import pytest

from node.edxml.values import date_problem, document_id_problem, timestamp_problem
from node.validation import validate_bytes
from tests.unit.validation.edits import remove, set_text


def _messages(data: bytes) -> list[str]:
    return [i.message for i in validate_bytes(data).issues]


# -- organ ids, everywhere an OrganId appears ------------------------------------------

ORGAN_PLACES_DOCUMENT = [1, 2, 3, 4]  # From, To, To, TraceHeader
BAD_ORGAN = "000.00.00.g22"


@pytest.mark.parametrize("occurrence", ORGAN_PLACES_DOCUMENT)
def test_organ_id_format_in_document(sample_document: bytes, occurrence: int) -> None:
    messages = _messages(set_text(sample_document, "OrganId", BAD_ORGAN, occurrence))
    assert any(f"organ id {BAD_ORGAN!r} must be dot-separated" in m for m in messages)


@pytest.mark.parametrize("occurrence", [1, 2, 3])  # From, ResponseFor, TraceHeader
def test_organ_id_format_in_status(sample_status: bytes, occurrence: int) -> None:
    messages = _messages(set_text(sample_status, "OrganId", "A..B", occurrence))
    assert messages == [
        "organ id 'A..B' must be dot-separated groups of characters 0-9 and A-Z "
        "(e.g. 000.00.00.G22)"
    ]


def test_organ_id_format_in_receivers_and_replacements(sample_document: bytes) -> None:
    business_tail = (
        b"<edXML:BussinessDocumentInfo><edXML:DocumentInfo>1</edXML:DocumentInfo>"
        b"<edXML:DocumentReceiver>1</edXML:DocumentReceiver><edXML:ReceiverList><edXML:Receiver>"
        b"<edXML:OrganId>bad id</edXML:OrganId><edXML:ReceiverType>1</edXML:ReceiverType>"
        b"</edXML:Receiver></edXML:ReceiverList></edXML:BussinessDocumentInfo>"
        b"<edXML:ReplacementInfoList><edXML:ReplacementInfo><edXML:DocumentId>x</edXML:DocumentId>"
        b"<edXML:OrganIdList><edXML:OrganId>000.01</edXML:OrganId><edXML:OrganId>Q-1</edXML:OrganId>"
        b"</edXML:OrganIdList></edXML:ReplacementInfo></edXML:ReplacementInfoList></edXML:Bussiness>"
    )
    data = sample_document.replace(b"</edXML:Bussiness>", business_tail)
    messages = _messages(data)
    assert len(messages) == 2
    assert "organ id 'bad id'" in messages[0]
    assert "organ id 'Q-1'" in messages[1]


# -- dates and timestamps ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2024/02/29", None),
        ("2023/02/29", "'2023/02/29' is not a real calendar date"),
        ("2026/13/01", "'2026/13/01' is not a real calendar date"),
        ("2026/1/1", "'2026/1/1' is not a date in the format yyyy/MM/dd"),
        ("2026-01-01", "'2026-01-01' is not a date in the format yyyy/MM/dd"),
    ],
)
def test_date_rule(text: str, problem: str | None) -> None:
    assert date_problem(text) == problem


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026/11/20 23:59:59", None),
        ("2026/11/20 23:60:00", "'2026/11/20 23:60:00' is not a real calendar date and time"),
        (
            "2026/11/20T10:00:00",
            "'2026/11/20T10:00:00' is not a timestamp in the format yyyy/MM/dd HH:mm:ss",
        ),
    ],
)
def test_timestamp_rule(text: str, problem: str | None) -> None:
    assert timestamp_problem(text) == problem


def test_real_dates_checked_in_every_date_element(sample_document: bytes) -> None:
    for element in ("PromulgationDate", "DueDate"):
        messages = _messages(set_text(sample_document, element, "2026/04/31"))
        assert messages == ["'2026/04/31' is not a real calendar date"]
    messages = _messages(set_text(sample_document, "Timestamp", "2026/11/31 09:15:00"))
    assert messages == ["'2026/11/31 09:15:00' is not a real calendar date and time"]


# -- recipients, DocumentId ----------------------------------------------------------------


def test_at_least_one_to(sample_document: bytes) -> None:
    assert _messages(remove(remove(sample_document, "To"), "To")) == [
        "a document needs at least one To (the recipient organ)"
    ]
    assert validate_bytes(remove(sample_document, "To")).valid


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("000.00.00.H41,2026/11/20,1234/UBND-KGVX", None),
        (
            "000.00.00.H41,2026/11/20,1234",
            "the code part '1234' must be {CodeNumber}/{CodeNotation}",
        ),
        ("000.00.00.H41,2026/11/20,/X", "the code part '/X'"),
        ("000.00.00.H41,20/11/2026,1/X", "'20/11/2026' is not a date in the format yyyy/MM/dd"),
        ("h41,2026/11/20,1/X", "organ id 'h41' must be dot-separated"),
        ("000.00.00.H41;2026/11/20;1/X", "must have the form"),
    ],
)
def test_document_id_format(value: str, fragment: str | None) -> None:
    problem = document_id_problem(value)
    if fragment is None:
        assert problem is None
    else:
        assert problem is not None
        assert fragment in problem


def test_document_id_sender_must_match_from(sample_document: bytes) -> None:
    data = set_text(sample_document, "DocumentId", "000.00.12.H41,2026/11/20,1234/UBND-KGVX")
    assert _messages(data) == [
        "DocumentId '000.00.12.H41,2026/11/20,1234/UBND-KGVX' starts with OrganId "
        "'000.00.12.H41' but the sender (From/OrganId) is '000.00.00.H41'"
    ]


def test_document_id_exactly_once(sample_document: bytes) -> None:
    twice = sample_document.replace(
        b"</edXML:MessageHeader>",
        b"<edXML:DocumentId>000.00.00.H41,2026/11/20,1234/UBND-KGVX</edXML:DocumentId>"
        b"</edXML:MessageHeader>",
    )
    assert _messages(twice) == ["DocumentId is given twice; give it once"]


# -- status messages ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["01", "02", "03", "04", "05", "06", "13", "15", "16"])
def test_known_status_codes_accepted(sample_status: bytes, code: str) -> None:
    assert validate_bytes(set_text(sample_status, "StatusCode", code)).valid


@pytest.mark.parametrize("code", ["00", "07", "14", "99"])
def test_unknown_status_codes_refused(sample_status: bytes, code: str) -> None:
    assert _messages(set_text(sample_status, "StatusCode", code)) == [
        f"unknown status code {code!r}; known codes: 01, 02, 03, 04, 05, 06, 13, 15, 16"
    ]


def test_status_needs_response_for(sample_status: bytes) -> None:
    assert _messages(remove(sample_status, "ResponseFor")) == [
        "a status message needs ResponseFor (the document it reports on)"
    ]


# -- priority, business type ----------------------------------------------------------------


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("3", True), ("4", False), ("-1", False)])
def test_priority_range(sample_document: bytes, value: str, ok: bool) -> None:
    report = validate_bytes(set_text(sample_document, "Priority", value))
    assert report.valid is ok
    if not ok:
        assert "outside 0..3 (lienthong's rule" in report.issues[0].message


@pytest.mark.parametrize("element", ["Type", "TypeDetail", "SteeringType", "PageAmount"])
def test_integers(sample_document: bytes, element: str) -> None:
    assert _messages(set_text(sample_document, element, "one")) == ["must be an integer, got 'one'"]


@pytest.mark.parametrize(("value", "ok"), [("0", True), ("3", True), ("4", False)])
def test_business_doc_type(sample_document: bytes, value: str, ok: bool) -> None:
    assert validate_bytes(set_text(sample_document, "BussinessDocType", value)).valid is ok


# -- manifest and attachments ---------------------------------------------------------------


def test_manifest_reference_listed_twice(sample_document: bytes) -> None:
    start = sample_document.index(b"<edXML:Reference>")
    end = sample_document.index(b"</edXML:Reference>") + len(b"</edXML:Reference>")
    ref = sample_document[start:end]
    data = sample_document.replace(ref, ref + ref)
    assert _messages(data) == ["ContentId 'cid:1' is listed 2 times in the manifest"]


def test_document_without_attachments_is_fine(sample_document: bytes) -> None:
    data = remove(sample_document, "Reference")
    start = data.index(b"<AttachmentEncoded>")
    end = data.index(b"</AttachmentEncoded>") + len(b"</AttachmentEncoded>")
    report = validate_bytes(data[:start] + data[end:])
    assert report.valid, report.issues
    assert report.envelope is not None
    assert report.envelope.attachments == ()


# -- what real systems vary on stays accepted -----------------------------------------------


@pytest.mark.parametrize(
    "element", ["Description", "Content", "SignerInfo", "OtherInfo", "ToPlaces", "StaffInfo"]
)
def test_optional_parts_may_be_absent(sample_document: bytes, element: str) -> None:
    assert validate_bytes(remove(sample_document, element)).valid


def test_status_description_and_staff_may_be_absent(sample_status: bytes) -> None:
    assert validate_bytes(remove(remove(sample_status, "Description"), "StaffInfo")).valid


def test_whitespace_around_identifiers_is_tolerated(sample_document: bytes) -> None:
    data = set_text(sample_document, "OrganId", "\n   000.00.00.H41\n  ", 1)
    report = validate_bytes(data)
    assert report.valid, report.issues
    assert report.envelope is not None
    assert report.envelope.sender == "000.00.00.H41"
