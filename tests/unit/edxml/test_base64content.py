"""Strict base64 checking: same verdict however the text is cut, and never more
lenient than libxml2's xs:base64Binary."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from node.edxml.base64content import Base64Content, DecodedContent, _compact, decode_text

_SCHEMA = etree.XMLSchema(
    etree.fromstring(
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" '
        b'type="xs:base64Binary"/></xs:schema>'
    )
)


def _chunked(text: str, cuts: list[int]) -> DecodedContent:
    checker = Base64Content(keep=True)
    last = 0
    for cut in sorted(c % (len(text) + 1) for c in cuts):
        checker.feed(text[last:cut])
        last = cut
    checker.feed(text[last:])
    return checker.finish()


def _libxml2_accepts(text: str) -> bool:
    el = etree.Element("a")
    el.text = text
    return bool(_SCHEMA.validate(el))


@given(st.binary(max_size=300), st.integers(1, 80))
def test_valid_base64_with_line_breaks_decodes(raw: bytes, width: int) -> None:
    b64 = base64.b64encode(raw).decode()
    text = "\n".join(b64[i : i + width] for i in range(0, len(b64), width)) + "\n  "
    result = decode_text(text)
    assert result.problem is None
    assert result.content == raw
    assert result.size == len(raw)
    assert result.sha256 == hashlib.sha256(raw).hexdigest()


noisy_text = st.text(st.sampled_from("QUJDRAQ=+/ \n\t!é-_0"), max_size=40)


@settings(max_examples=400)
@given(noisy_text, st.lists(st.integers(0, 50), max_size=6))
def test_verdict_does_not_depend_on_chunking(text: str, cuts: list[int]) -> None:
    whole = decode_text(text)
    assert _chunked(text, cuts) == whole


@settings(max_examples=400)
@given(noisy_text)
def test_never_more_lenient_than_libxml2(text: str) -> None:
    if decode_text(text).problem is None:
        assert _libxml2_accepts(text)


def test_streaming_mode_keeps_no_content() -> None:
    checker = Base64Content(keep=False)
    checker.feed("QUJD")
    result = checker.finish()
    assert result.content is None
    assert result.size == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("QUJD!QUJD", "character '!' (U+0021) at position 5 is not in the base64 alphabet"),
        ("QUJDé", "character 'é' (U+00E9) at position 5 is not in the base64 alphabet"),
        ("QQ==QUJD", "'=' padding is only allowed at the very end"),
        ("Q===", "'=' padding is only allowed at the very end"),
        ("QR==", "non-zero bits in the last character before the '=' padding"),
        ("QUJDQ", "5 base64 characters is not a multiple of 4 (truncated?)"),
    ],
)
def test_problem_messages(text: str, message: str) -> None:
    problem = decode_text(text).problem
    assert problem is not None
    assert problem.startswith("attachment content is not valid base64: ")
    assert message in problem
    assert not _libxml2_accepts(text) or "alphabet" in message


@given(st.text(alphabet="ABCxyz019+/= \t\r\n\x0b\x0c", max_size=200))
def test_whitespace_removal_is_bytes_split(text: str) -> None:
    """The fast path (drop LF, fall back to split for any other space) removes
    exactly what ``bytes.split()`` does."""
    data = text.encode("ascii")
    assert _compact(data) == b"".join(data.split())
