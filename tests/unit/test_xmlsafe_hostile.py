"""Issue 14, holes 4 and 5: no DTD or external subset is processed and no file
is opened, wherever the DOCTYPE hides before the root, by every parser the
code builds (lxml tree, lxml pull parser, expat stream, signxml's copies);
and a document declared in another encoding than UTF-8 is refused."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters.transport.peek import peek_bytes
from node.edxml.stream import read_stream
from node.errors import LienthongError, MalformedXml, UnsafeXml
from node.xmlsafe import ExternalRefused, hardened_parser, parse_bytes, parse_file
from signing.xmlsign import hardened_parser as signing_parser

PADDING = b"<!--" + b"x" * (70 * 1024) + b"-->"


def _doctype_after_padding(target: str, padding: bytes = PADDING) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        + padding
        + f'<!DOCTYPE edXML SYSTEM "{target}">'.encode()
        + b"<edXML/>"
    )


PARSERS: dict[str, Callable[[bytes], object]] = {
    "parse_bytes": parse_bytes,
    "parse_file": lambda data: parse_file(io.BytesIO(data)),
    "expat stream": lambda data: read_stream(io.BytesIO(data)),
    "pull parser (peek)": peek_bytes,
}


def _refusal(parse: Callable[[bytes], object], data: bytes) -> LienthongError:
    with pytest.raises((UnsafeXml, MalformedXml)) as caught:
        parse(data)
    return caught.value


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_doctype_after_64k_of_comments_is_refused_without_an_oracle(
    name: str, tmp_path: Path
) -> None:
    """Existing, missing and directory paths get one answer: the DOCTYPE is
    refused before anything is looked up (before, libxml2 loaded the subset
    and its errors told which files exist)."""
    existing = tmp_path / "exists.dtd"
    existing.write_text("<!ELEMENT edXML ANY>")
    parse = PARSERS[name]
    answers = {
        _refusal(parse, _doctype_after_padding(str(path))).detail
        for path in (existing, tmp_path / "missing.dtd", tmp_path)
    }
    assert answers == {"DOCTYPE/ENTITY declarations are not allowed (no DTDs, no entities)"}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_a_fifo_as_external_subset_never_blocks(name: str, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            PARSERS[name](_doctype_after_padding(str(fifo)))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)  # a bound on a hang, not a timing: the refusal is immediate
    if worker.is_alive():  # unblock the thread: open the FIFO's writing end
        with open(fifo, "wb"):
            pass
        worker.join(30)
        pytest.fail("the parser opened the FIFO and blocked on it")
    assert len(errors) == 1
    assert isinstance(errors[0], UnsafeXml)


@pytest.mark.parametrize(
    "make", [hardened_parser, lambda: hardened_parser(huge_tree=True), signing_parser]
)
def test_the_parsers_open_nothing_even_when_called_directly(
    make: Callable[[], etree.XMLParser], tmp_path: Path
) -> None:
    """Bypassing the prolog scan (signxml parses its own copies), libxml2 still
    opens no file: the resolver refuses the external subset first."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = f'<!DOCTYPE edXML SYSTEM "{fifo}"><edXML/>'.encode()
    with pytest.raises(ExternalRefused):
        etree.fromstring(data, parser=make())
    entity = f'<!DOCTYPE e [<!ENTITY x SYSTEM "{fifo}">]><e>&x;</e>'.encode()
    root = etree.fromstring(entity, parser=make())  # not resolved: no read at all
    assert root.tag == "e"  # the reference stays a reference


_PRELUDE = st.lists(
    st.one_of(
        st.builds(lambda n: b"<!--" + b"-x" * n + b"x-->", st.integers(0, 40_000)),
        st.builds(lambda n: b"<?pi " + b"y" * n + b"?>", st.integers(0, 40_000)),
        st.sampled_from([b"\n", b" ", b"\r\n\t"]),
    ),
    max_size=6,
)


@settings(max_examples=40, deadline=None)
@given(prelude=_PRELUDE, declaration=st.sampled_from([b"", b'<?xml version="1.0"?>']))
def test_a_doctype_is_refused_wherever_it_sits_before_the_root(
    prelude: list[bytes], declaration: bytes
) -> None:
    data = declaration + b"".join(prelude) + b'<!DOCTYPE edXML [<!ENTITY a "b">]><edXML>&a;</edXML>'
    for parse in PARSERS.values():
        with pytest.raises(UnsafeXml):
            parse(data)


@pytest.mark.parametrize("name", sorted(PARSERS))
@pytest.mark.parametrize("encoding", ["ISO-8859-1", "latin1", "windows-1258", "US-ASCII"])
def test_only_utf8_is_accepted(name: str, encoding: str) -> None:
    data = f"<?xml version='1.0' encoding='{encoding}'?><edXML>x</edXML>".encode()
    with pytest.raises(UnsafeXml, match=f"declares encoding '{encoding}'; edXML is UTF-8 only"):
        PARSERS[name](data)


@pytest.mark.parametrize("encoding", ["UTF-8", "utf-8", "utf8"])
def test_utf8_declarations_are_accepted(encoding: str) -> None:
    data = f'<?xml version="1.0" encoding="{encoding}"?><edXML>Hà Nội</edXML>'.encode()
    assert parse_bytes(data).getroot().text == "Hà Nội"
    assert parse_bytes(b"\xef\xbb\xbf" + data).getroot().text == "Hà Nội"
