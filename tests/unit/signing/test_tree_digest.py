"""The small-document digest (lxml, in C) against the streaming canonicaliser,
the authority: on generated envelopes it either declines or agrees with it on
both the digest and where the signature goes."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.errors import LienthongError
from signing.streamc14n import Canonicaliser, Unsupported, prepare
from signing.treedigest import MAX_BYTES, digest_and_header_end
from tests.support.signing_fixtures import sample_document

HEADER_END = b"</edXML:edXMLHeader>"
BODY_END = b"</edXML:edXMLEnvelope>"

_TEXT = st.lists(
    st.sampled_from([*"ab <>&\"'\t\r\néĐứ😀", "]]", "</edXML:edXMLHeader>", "xmlns=", "\r\n"]),
    max_size=10,
).map("".join)


def _escaped(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;")


@st.composite
def extra(draw: st.DrawFn) -> str:
    kind = draw(
        st.sampled_from(
            [
                "text",
                "foreign",
                "same-name",
                "same-name-empty",
                "rebound",
                "comment",
                "cdata",
                "pi",
                "uri-escape",
                "nonascii-name",
                "charref",
            ]
        )
    )
    text = _escaped(draw(_TEXT))
    return {
        "text": text,
        "foreign": f'<x:Note xmlns:x="urn:x" z="{text}" x:a="1" a="&#x9;">{text}</x:Note>',
        "same-name": f"<edXML:edXMLHeader>{text}</edXML:edXMLHeader>",
        "same-name-empty": "<edXML:edXMLHeader/>",
        "rebound": '<edXML:edXMLHeader xmlns:edXML="urn:other">t</edXML:edXMLHeader>',
        "comment": f"<!--{text.replace('-', '')}-->",
        "cdata": f"<![CDATA[{text.replace(']]', '')}]]>",
        "pi": "<?note x?>",
        "uri-escape": '<y:N xmlns:y="urn:a&amp;b">t</y:N>',
        "nonascii-name": "<Điều>t</Điều>",
        "charref": "&#60;/edXML:edXMLHeader&#62; &#xE9;",
    }[kind]


@st.composite
def envelope(draw: st.DrawFn) -> bytes:
    data = sample_document()
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from([HEADER_END, BODY_END, b"</edXML:MessageHeader>"]))
        data = data.replace(where, draw(extra()).encode() + where, 1)
    declaration = draw(
        st.sampled_from(
            [
                b'<?xml version="1.0" encoding="UTF-8"?>',
                b"<?xml version='1.0' encoding='us-ascii'?>",
                b'<?xml version="1.0"?>',
                b"",
                b'<?xml version="1.0" encoding="ISO-8859-1"?>',
            ]
        )
    )
    head, _, rest = data.partition(b"?>")
    del head
    data = declaration + rest
    if draw(st.booleans()):
        data = data.replace(b"<edXML:edXMLHeader>", b"<edXML:edXMLHeader >", 1)
    return data


def streamed(data: bytes) -> tuple[bytes, int | None] | None:
    c14n = Canonicaliser(["sha256"], [None])
    try:
        (digest,) = c14n.run(io.BytesIO(data))
    except Unsupported:
        return None
    return digest, c14n.facts.header_end


@settings(max_examples=300, deadline=None)
@given(envelope())
def test_it_declines_or_agrees_with_the_streaming_canonicaliser(data: bytes) -> None:
    quick = digest_and_header_end(data)
    if quick is None:
        return
    assert streamed(data) == quick
    assert data[quick[1] :].startswith(HEADER_END)


def test_the_sample_document_takes_the_quick_path() -> None:
    data = sample_document()
    assert digest_and_header_end(data) == streamed(data)


@pytest.mark.parametrize(
    ("before_header_end", "why"),
    [
        (b"<!-- c -->", "comment"),
        (b"<![CDATA[x]]>", "CDATA"),
        (b"<?pi x?>", "processing instruction"),
        (b"<edXML:edXMLHeader>t</edXML:edXMLHeader>", "another end tag of the header's name"),
        (b"<edXML:edXMLHeader/>", "another element of the header's name"),
        (b'<y:N xmlns:y="urn:a&amp;b">t</y:N>', "namespace URI to escape"),
        ("<Điều>t</Điều>".encode(), "non-ASCII name"),
    ],
)
def test_shapes_it_cannot_be_sure_of_are_left_to_streaming(
    before_header_end: bytes, why: str
) -> None:
    data = sample_document().replace(HEADER_END, before_header_end + HEADER_END, 1)
    assert digest_and_header_end(data) is None, why


def test_other_encodings_empty_headers_and_big_documents_are_left_to_streaming() -> None:
    data = sample_document()
    latin = data.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1)
    assert latin != data
    assert digest_and_header_end(latin) is None
    empty = data[: data.index(b"<edXML:edXMLHeader>")] + b"<edXML:edXMLHeader/>"
    empty += data[data.index(HEADER_END) + len(HEADER_END) :]
    assert digest_and_header_end(empty) is None
    big = data.replace(BODY_END, b" " * MAX_BYTES + BODY_END, 1)
    assert digest_and_header_end(big) is None
    assert prepare(io.BytesIO(big)) is not None  # streamed instead


def test_malformed_input_is_worded_by_the_streaming_pass() -> None:
    broken = sample_document().replace(HEADER_END, b"", 1)
    assert digest_and_header_end(broken) is None
    with pytest.raises(LienthongError):
        prepare(io.BytesIO(broken))
