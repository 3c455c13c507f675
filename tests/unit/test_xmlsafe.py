"""The hardened parser refuses DTDs, entities and deep nesting before resolving anything."""

from __future__ import annotations

import io
import time

import pytest

from node.errors import MalformedXml, UnsafeXml
from node.xmlsafe import parse_bytes, parse_file

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML>&xxe;</edXML>"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML>&lol9;</edXML>"""


def _deep(n: int) -> bytes:
    return b"<a>" * n + b"</a>" * n


def test_sample_parses(sample_document: bytes) -> None:
    tree = parse_bytes(sample_document)
    assert tree.getroot().tag.endswith("edXML")


@pytest.mark.parametrize("payload", [XXE, BOMB], ids=["xxe", "billion-laughs"])
def test_doctype_refused_quickly(payload: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        parse_bytes(payload)
    assert time.monotonic() - started < 1.0


def test_doctype_refused_from_file() -> None:
    with pytest.raises(UnsafeXml):
        parse_file(io.BytesIO(XXE))


@pytest.mark.parametrize("depth", [65, 300, 100_000])
def test_deep_nesting_refused(depth: int) -> None:
    started = time.monotonic()
    with pytest.raises((UnsafeXml, MalformedXml)):
        parse_bytes(_deep(depth))
    assert time.monotonic() - started < 1.0


def test_moderate_nesting_allowed() -> None:
    parse_bytes(_deep(60))


def test_utf16_refused() -> None:
    with pytest.raises(UnsafeXml, match="UTF-16"):
        parse_bytes("<edXML/>".encode("utf-16"))


@pytest.mark.parametrize("payload", [b"", b"   ", b"not xml", b"<a><b></a>"])
def test_malformed(payload: bytes) -> None:
    with pytest.raises(MalformedXml):
        parse_bytes(payload)
