"""Streaming reader for large edXML files: bounded memory whatever the attachments.

expat reads the file in chunks and a reduced lxml tree is built as it goes:
every element and text is kept (with its source line, so XSD errors point at
the right place) except the text of ``AttachmentEncoded/Attachment/
ContentTransferEncoded``, which is checked as base64, hashed and counted on the
fly (:class:`node.edxml.base64content.Base64Content`) and never stored. Other
texts are bounded by :data:`MAX_TEXT`, the number of elements by
:data:`MAX_ELEMENTS`, the nesting by :data:`node.xmlsafe.MAX_DEPTH`; DOCTYPE and
entity declarations are refused as by :mod:`node.xmlsafe`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Never, Protocol, cast
from xml.parsers import expat

from lxml import etree

from node.edxml.base64content import Base64Content, DecodedContent
from node.errors import MalformedXml, UnsafeXml
from node.xmlsafe import MAX_DEPTH, PrologScanner, undeclared_prefix_message

CHUNK = 1 << 16
MAX_TEXT = 10_000_000
"""Characters of one text outside attachment contents (libxml2's own default limit)."""
MAX_ELEMENTS = 100_000
"""Real edXML has a few hundred elements."""
MAX_LINE = 65535
"""Largest line libxml2 stores on a node; larger ones live in StreamedTree.lines."""


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass
class StreamedTree:
    tree: etree._ElementTree
    contents: dict[etree._Element, DecodedContent] = field(default_factory=dict)
    lines: dict[etree._Element, int] = field(default_factory=dict)


def read_stream(stream: Readable) -> StreamedTree:
    """Read an edXML file into a reduced tree (see module doc)."""
    head = stream.read(CHUNK)
    if not head.strip():
        raise MalformedXml("empty document")
    prolog = PrologScanner()
    parser = expat.ParserCreate(namespace_separator=" ")
    builder = _Builder(parser)
    try:
        chunk = head
        while chunk:
            if not prolog.done:
                prolog.feed(chunk)  # DOCTYPE anywhere before the root, non-UTF-8
            builder.window(chunk)
            parser.Parse(chunk, False)
            chunk = stream.read(CHUNK)
        prolog.finish()
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNBOUND_PREFIX]:
            message = undeclared_prefix_message(*builder.unbound(parser.ErrorByteIndex))
            raise MalformedXml(message, line=exc.lineno) from None
        raise MalformedXml(expat.ErrorString(exc.code), line=exc.lineno) from None
    except ValueError as exc:  # names or namespace URIs that expat accepts but lxml does not
        raise MalformedXml(str(exc), line=parser.CurrentLineNumber) from None
    return builder.result()


def _refuse(*_: object) -> Never:
    raise UnsafeXml("DOCTYPE/ENTITY declarations are not allowed (no DTDs, no entities)")


def _split(name: str) -> tuple[str, str]:
    """expat's ``uri local`` (or ``local``) → (clark tag, local name)."""
    uri, _, local = name.rpartition(" ")
    return (f"{{{uri}}}{local}" if uri else local), local


_START_TAG = re.compile(
    rb"<(?:(?P<prefix>[A-Za-z_][\w.-]*):)?(?P<local>[A-Za-z_][\w.-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
)
_ATTR_NAME = re.compile(rb"\s([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)\s*=")
_START_TAG_REST = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""")


class _Builder:
    def __init__(self, parser: expat.XMLParserType) -> None:
        self._parser = parser
        self._tb = etree.TreeBuilder()
        self._names: list[str] = []
        self._elements: list[etree._Element] = []
        self._nsmap: dict[str | None, str] = {}
        self._declared: set[str] = set()
        self._window = b""
        self._window_start = 0
        self._base64: Base64Content | None = None
        self._base64_level = 0
        self._text = 0
        self._count = 0
        self._out_contents: dict[etree._Element, DecodedContent] = {}
        self._out_lines: dict[etree._Element, int] = {}
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse
        parser.EntityDeclHandler = _refuse
        parser.ExternalEntityRefHandler = _refuse
        parser.StartNamespaceDeclHandler = self._namespace
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._data
        parser.buffer_size = CHUNK

    # -- lines: libxml2 gives an element the line where its start tag ends; expat
    # reports where it begins, so the newlines inside the tag are counted in the
    # raw bytes (the previous and the current chunk are kept for that).

    def window(self, chunk: bytes) -> None:
        keep = self._window[-CHUNK:]
        self._window_start += len(self._window) - len(keep)
        self._window = keep + chunk

    def _line(self) -> int:
        line = self._parser.CurrentLineNumber
        at = self._parser.CurrentByteIndex - self._window_start
        if at >= 0:
            match = _START_TAG_REST.match(self._window, at)
            if match is not None:
                line += self._window.count(b"\n", at, match.end())
        return line

    def _set_line(self, el: etree._Element, line: int) -> None:
        if line > MAX_LINE:
            self._out_lines[el] = line
            line = MAX_LINE
        el.sourceline = line  # type: ignore[assignment]  # lxml-stubs: read-only

    def unbound(self, index: int) -> tuple[str | None, str | None, str | None]:
        """(prefix, element, attribute) of the first prefix the start tag at byte
        ``index`` uses without any declaration seen; Nones when it cannot tell."""
        at = index - self._window_start
        tag = _START_TAG.match(self._window, at) if at >= 0 else None
        if tag is None:
            return None, None, None
        element = tag["prefix"], tag["local"]
        names = [(element, None), *(((a[0], a[1]), a[1]) for a in _ATTR_NAME.findall(tag[0]))]
        for (prefix, _local), attribute in names:
            name = prefix.decode("utf-8", "replace") if prefix else None
            if name and name not in self._declared and name not in ("xml", "xmlns"):
                return (
                    name,
                    element[1].decode("utf-8", "replace"),
                    (attribute.decode("utf-8", "replace") if attribute else None),
                )
        return None, None, None

    def _namespace(self, prefix: str | None, uri: str) -> None:
        self._nsmap[prefix or None] = uri
        if prefix:
            self._declared.add(prefix)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._count += 1
        if self._count > MAX_ELEMENTS:
            raise UnsafeXml(f"more than {MAX_ELEMENTS} elements")
        if len(self._names) >= MAX_DEPTH:
            raise UnsafeXml(
                f"nesting deeper than {MAX_DEPTH} levels (line {self._parser.CurrentLineNumber})"
            )
        tag, local = _split(name)
        attributes = {_split(k)[0]: v for k, v in attrs.items()}
        el = cast(etree._Element, self._tb.start(tag, attributes, self._nsmap))  # type: ignore[call-arg, arg-type]
        self._nsmap = {}
        self._text = 0
        self._set_line(el, self._line())
        if (
            self._base64 is None
            and local == "ContentTransferEncoded"
            and self._names[-2:] == ["AttachmentEncoded", "Attachment"]
        ):
            self._base64 = Base64Content(keep=False)
            self._base64_level = len(self._names) + 1
            self._parser.buffer_text = True
        self._names.append(local)
        self._elements.append(el)

    def _in_base64(self) -> bool:
        """Directly inside an attachment's content (not inside a stray child of it)."""
        return self._base64 is not None and len(self._names) == self._base64_level

    def _end(self, name: str) -> None:
        if self._base64 is not None and self._in_base64():
            self._parser.buffer_text = False
            self._out_contents[self._elements[-1]] = self._base64.finish()
            self._base64 = None
        self._elements.pop()
        self._names.pop()
        self._tb.end(_split(name)[0])
        self._text = 0

    def _data(self, text: str) -> None:
        if self._base64 is not None and self._in_base64():
            self._base64.feed(text)
            return
        self._text += len(text)
        if self._text > MAX_TEXT:
            raise UnsafeXml(
                f"a text of more than {MAX_TEXT} characters outside attachment contents "
                f"(line {self._parser.CurrentLineNumber})"
            )
        self._tb.data(text)

    def result(self) -> StreamedTree:
        root = self._tb.close()
        return StreamedTree(etree.ElementTree(root), self._out_contents, self._out_lines)
