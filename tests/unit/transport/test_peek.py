"""The bounded header peek: kind, sender and document id from the first bytes,
whatever the chunking, with the hardened parser's refusals."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.transport.peek import HeaderPeeker, peek_bytes
from node.errors import MalformedXml, UnsafeXml
from node.model import MessageKind
from tests.conftest import SAMPLES

DOCUMENT = (SAMPLES / "document.edxml").read_bytes()
STATUS = (SAMPLES / "status.edxml").read_bytes()
DOC_ID = "000.00.00.H41,2026/11/20,1234/UBND-KGVX"


def test_document_header() -> None:
    peek = peek_bytes(DOCUMENT)
    assert (peek.kind, peek.sender, peek.document_id) == (
        MessageKind.DOCUMENT,
        "000.00.00.H41",
        DOC_ID,
    )


def test_status_header_refers_to_the_document() -> None:
    peek = peek_bytes(STATUS)
    assert (peek.kind, peek.sender, peek.document_id) == (
        MessageKind.STATUS,
        "000.00.12.H41",
        DOC_ID,
    )


WRAPPED = STATUS.replace(b"edXML:MessageHeader>", b"edXML:Status>")


def test_a_status_in_a_message_header_is_a_status() -> None:
    """Real files and lienthong's own statuses wrap a status in MessageHeader
    (the sample does): its StatusCode makes it a status, its ResponseFor names
    the document. The Status wrapper is a status too."""
    assert b"<edXML:MessageHeader>" in STATUS
    assert b"<edXML:Status>" in WRAPPED
    assert peek_bytes(WRAPPED) == peek_bytes(STATUS)
    peek = peek_bytes(STATUS)
    assert (peek.kind, peek.sender, peek.document_id) == (
        MessageKind.STATUS,
        "000.00.12.H41",
        DOC_ID,
    )


def test_a_document_answering_another_keeps_its_own_id() -> None:
    answer = DOCUMENT.replace(
        b"<edXML:SteeringType>",
        b"<edXML:ResponseFor><edXML:OrganId>000.00.00.G22</edXML:OrganId>"
        b"<edXML:Code>1/VPCP</edXML:Code>"
        b"<edXML:DocumentId>000.00.00.G22,2026/11/01,1/VPCP</edXML:DocumentId>"
        b"</edXML:ResponseFor><edXML:SteeringType>",
        1,
    )
    assert answer != DOCUMENT
    peek = peek_bytes(answer)
    assert (peek.kind, peek.document_id) == (MessageKind.DOCUMENT, DOC_ID)


@given(st.lists(st.integers(min_value=1, max_value=len(WRAPPED)), max_size=8))
def test_any_chunking_gives_the_same_answer_for_a_wrapped_status(cuts: list[int]) -> None:
    peeker = HeaderPeeker()
    points = [0, *sorted(set(cuts)), len(WRAPPED)]
    for start, end in itertools.pairwise(points):
        if peeker.feed(WRAPPED[start:end]):
            break
    assert peeker.result() == peek_bytes(WRAPPED)


@given(st.lists(st.integers(min_value=1, max_value=len(DOCUMENT)), max_size=8))
def test_any_chunking_gives_the_same_answer(cuts: list[int]) -> None:
    peeker = HeaderPeeker()
    points = [0, *sorted(set(cuts)), len(DOCUMENT)]
    for start, end in itertools.pairwise(points):
        if peeker.feed(DOCUMENT[start:end]):
            break
    assert peeker.result() == peek_bytes(DOCUMENT)


def test_stops_after_the_header_of_a_huge_file() -> None:
    body_start = DOCUMENT.index(b"</edXML:edXMLHeader>")
    head = DOCUMENT[:body_start] + b"</edXML:edXMLHeader>"
    peeker = HeaderPeeker(limit=1 << 20)
    assert peeker.feed(head + b"x" * (70 * 1024))  # done without the attachments
    assert peeker.result().kind is MessageKind.DOCUMENT


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", MalformedXml, "empty"),
        (b"not xml at all", MalformedXml, "Start tag expected"),
        (b"<edXML><edXMLHeader/></edXML>", MalformedXml, "no complete MessageHeader"),
        (b'<!DOCTYPE x [<!ENTITY e "b">]><x>&e;</x>', UnsafeXml, "DOCTYPE"),
        (b"<a>" * 70 + b"</a>" * 70, UnsafeXml, "deeper than 64"),
    ],
)
def test_refusals(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        peek_bytes(data)


def test_header_not_found_within_the_limit() -> None:
    peeker = HeaderPeeker(limit=100 * 1024)
    data = b"<edXML><padding>" + b"p" * (200 * 1024)
    chunks = [data[start : start + 32 * 1024] for start in range(0, len(data), 32 * 1024)]
    for chunk in chunks[:3]:
        assert not peeker.feed(chunk)
    with pytest.raises(MalformedXml, match="in the first 102400 bytes"):
        peeker.feed(chunks[3])
