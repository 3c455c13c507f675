"""Hardened XML parsing: the only way lienthong turns untrusted bytes into a tree.

Refused before anything is resolved: any DOCTYPE (so no DTD, no entity
declarations, hence no XXE and no entity bombs) wherever it sits before the
root element (the prolog scan skips comments of any length), an encoding other
than UTF-8, external resources, and nesting deeper than :data:`MAX_DEPTH`.
lxml is configured defensively as well (no network, no entity resolution, no
DTD loading, and a resolver that refuses every external resource before
libxml2 opens it) in case anything slips past the scan: no file is ever
opened. :func:`hardened_parser` is the one parser configuration for untrusted
XML in lienthong. ``huge_tree`` is enabled only when the caller asks for it
(large attachments), never by default.
"""

from __future__ import annotations

import functools
import re
from typing import IO, NoReturn

from lxml import etree

from node.errors import MalformedXml, UnsafeXml

MAX_DEPTH = 64
"""edXML is about 8 levels deep; anything past this is an attack or garbage."""

_PROLOG_LIMIT = 64 * 1024
"""How much a caller reads before its first :meth:`PrologScanner.feed` (a hint)."""
_DECL_LIMIT = 1024
"""An XML declaration longer than this is garbage."""
_ENCODING = re.compile(rb"""encoding\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
_BOM = b"\xef\xbb\xbf"
_SPACE = b" \t\r\n"


class ExternalRefused(Exception):
    """Raised by :class:`_RefuseAll` inside libxml2's loader; mapped to UnsafeXml."""


class _RefuseAll(etree.Resolver):
    """Every external resource (DTD subset, entity, XInclude) is refused before
    libxml2 opens anything: no file, no FIFO, no URL is ever read, whatever got
    past the prolog scan."""

    def resolve(self, system_url: str, public_id: str, context: object = None) -> NoReturn:
        raise ExternalRefused(system_url or public_id or "(unnamed)")


_UNSAFE_DECL = "DOCTYPE/ENTITY declarations are not allowed (no DTDs, no entities)"
_EXTERNAL = "external resources are never loaded (no DTDs, no entities)"


class PrologScanner:
    """A byte-level scan of everything before the root element, fed in chunks.

    Refuses any markup declaration (``<!DOCTYPE``, ``<!ENTITY``, anything
    ``<!`` that is not a comment), UTF-16/UCS input and an XML declaration
    naming an encoding other than UTF-8. Comments and processing instructions
    of any length are skipped, so nothing can push a DOCTYPE past the scan. It
    stops at the first element start tag (or at anything else, which the
    parser then reports as malformed)."""

    def __init__(self) -> None:
        self.done = False
        self._pending = b""
        self._state = "start"  # start | between | comment | pi

    def feed(self, chunk: bytes) -> bool:
        """Scan the next bytes; True once the root element is reached."""
        if self.done:
            return True
        buf = self._pending + chunk
        self._pending = b""
        pos = 0
        if self._state == "start":
            if len(buf) < 5:
                self._pending = buf
                return False
            if buf.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
                raise UnsafeXml("UTF-16/UCS encodings are not accepted; edXML is UTF-8")
            if buf.startswith(_BOM):
                pos = len(_BOM)
            if not buf.startswith(b"<", pos) and not self._before_declaration(buf, pos):
                self._pending = buf
                return False
            if buf.startswith(b"<?xml", pos):
                end = buf.find(b"?>", pos)
                if end < 0:
                    if len(buf) - pos > _DECL_LIMIT:
                        raise MalformedXml("the XML declaration is not closed")
                    self._pending = buf
                    return False
                _check_encoding(buf[pos : end + 2])
                pos = end + 2
            self._state = "between"
        while True:
            if self._state == "comment":
                end = buf.find(b"-->", pos)
                if end < 0:
                    self._pending = buf[max(pos, len(buf) - 2) :]
                    return False
                pos, self._state = end + 3, "between"
                continue
            if self._state == "pi":
                end = buf.find(b"?>", pos)
                if end < 0:
                    self._pending = buf[max(pos, len(buf) - 1) :]
                    return False
                pos, self._state = end + 2, "between"
                continue
            while pos < len(buf) and buf[pos] in _SPACE:
                pos += 1
            if len(buf) - pos < 4:
                self._pending = buf[pos:]
                return False
            if buf.startswith(b"<!--", pos):
                pos, self._state = pos + 4, "comment"
            elif buf.startswith(b"<?", pos):
                pos, self._state = pos + 2, "pi"
            elif buf.startswith(b"<!", pos):
                raise UnsafeXml(_UNSAFE_DECL)
            else:
                self.done = True
                return True

    def _before_declaration(self, buf: bytes, pos: int) -> bool:
        """Bytes ahead of an XML declaration (``1212<?xml ...``, as one of the
        national SDK's own samples starts) are refused with that reason, not
        the parser's "Start tag expected": nothing before the declaration can be
        skipped safely (it is not markup, and a signature covers the bytes as
        sent). False when more bytes are needed to tell."""
        window = buf[pos : pos + _DECL_LIMIT]
        first = window.find(b"<")
        if first > 0 and window.startswith(b"<?xml", first):
            raise MalformedXml(_junk_message(window[:first]), line=1)
        if first >= 0 and len(window) - first < 5 and b"<?xml".startswith(window[first:]):
            return False  # "<?xm" so far: wait for the rest
        return first >= 0 or len(window) >= _DECL_LIMIT

    def finish(self) -> None:
        """End of input: whatever is pending is scanned as a last chunk."""
        if not self.done and self._state == "start" and self._pending:
            pos = len(_BOM) if self._pending.startswith(_BOM) else 0
            self._before_declaration(self._pending + b"<", pos)
        if not self.done and self._pending:
            rest = self._pending.lstrip(_SPACE)
            self._pending = b""
            between = self._state in ("start", "between")
            if between and rest.startswith(b"<!") and not rest.startswith(b"<!--"):
                raise UnsafeXml(_UNSAFE_DECL)


def _junk_message(junk: bytes) -> str:
    shown = junk[:32].decode("utf-8", "replace")
    more = "…" if len(junk) > 32 else ""
    return (
        f"{len(junk)} byte(s) before the XML declaration ({shown!r}{more}): an edXML "
        "file must begin with '<?xml' (a UTF-8 byte order mark may precede it); "
        "remove what comes before it"
    )


def _check_encoding(declaration: bytes) -> None:
    match = _ENCODING.search(declaration)
    if match is None:
        return
    name = (match.group(1) or match.group(2) or b"").decode("ascii", "replace")
    if name.strip().lower() not in _UTF8_NAMES:
        raise UnsafeXml(f"the document declares encoding {name!r}; edXML is UTF-8 only")


def hardened_parser(*, huge_tree: bool = False) -> etree.XMLParser:
    """A new parser with lienthong's settings: nothing resolved, loaded or
    fetched (a resolver refuses every external resource before libxml2 opens
    it), no DTD, no network, ``huge_tree`` only on request. The only place a
    parser for untrusted XML is configured (signxml's copies use it too)."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=huge_tree,
        collect_ids=False,
        remove_blank_text=False,
    )
    parser.resolvers.add(_RefuseAll())
    return parser


def pull_parser() -> etree.XMLPullParser:
    """:func:`hardened_parser` as a pull parser (start/end events)."""
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
    )
    parser.resolvers.add(_RefuseAll())
    return parser


_PARSER = hardened_parser(huge_tree=False)
_HUGE_PARSER = hardened_parser(huge_tree=True)


def check_prolog(head: bytes) -> None:
    """Refuse DOCTYPE/ENTITY declarations and non-UTF-8 encodings before the
    root element of ``head`` (a whole document, or its first bytes: the scan
    covers whatever prolog they hold; see :class:`PrologScanner` to go on)."""
    scanner = PrologScanner()
    scanner.feed(head)
    scanner.finish()


def parse_bytes(data: bytes, *, huge_tree: bool = False) -> etree._ElementTree:
    """Parse untrusted bytes into an lxml tree, refusing anything unsafe."""
    if not data or data.isspace():
        raise MalformedXml("empty document")
    check_prolog(data)
    try:
        root = etree.fromstring(data, parser=_HUGE_PARSER if huge_tree else _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(_syntax_message(exc), line=_syntax_line(exc)) from None
    except ExternalRefused:
        raise UnsafeXml(_EXTERNAL) from None
    tree = root.getroottree()
    _check_tree(tree)
    return tree


def parse_file(stream: IO[bytes], *, huge_tree: bool = False) -> etree._ElementTree:
    """Parse an open binary file. The prolog is scanned (as far as it goes),
    then the stream is rewound and parsed."""
    scanner = PrologScanner()
    head = stream.read(_PROLOG_LIMIT)
    if not head.strip():
        raise MalformedXml("empty document")
    chunk = head
    while chunk and not scanner.feed(chunk):
        chunk = stream.read(_PROLOG_LIMIT)
    scanner.finish()
    stream.seek(0)
    try:
        tree = etree.parse(stream, parser=_HUGE_PARSER if huge_tree else _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(_syntax_message(exc), line=_syntax_line(exc)) from None
    except ExternalRefused:
        raise UnsafeXml(_EXTERNAL) from None
    _check_tree(tree)
    return tree


def _check_tree(tree: etree._ElementTree) -> None:
    if tree.docinfo.internalDTD is not None or tree.docinfo.externalDTD is not None:
        raise UnsafeXml("DOCTYPE declarations are not allowed")
    # Without a DTD no entity can be declared, so an entity reference is a
    # syntax error already; nothing is left to look for but the depth.
    check_depth(tree.getroot())


@functools.cache
def _deeper_than(limit: int) -> etree.XPath:
    """XPath true when some element sits deeper than ``limit`` levels. libxml2
    evaluates it without visiting more than the tree's real depth."""
    return etree.XPath("boolean(/" + "/".join(["*"] * (limit + 1)) + ")")


def check_depth(root: etree._Element, limit: int = MAX_DEPTH) -> None:
    """Refuse trees nested deeper than ``limit``. The common case is one compiled
    XPath evaluated in C; only a refusal walks the tree to name the line."""
    if root.getparent() is None and not _deeper_than(limit)(root):
        return
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > limit:
            raise UnsafeXml(f"nesting deeper than {limit} levels (line {el.sourceline})")
        stack.extend((child, depth + 1) for child in el)


_UNDECLARED = re.compile(r"Namespace prefix (\S+) (?:for (\S+) )?on (\S+) is not defined")
_KNOWN_PREFIXES = {
    "edXML": "http://www.mic.gov.vn/TBT/QCVN_102_2016",
    "xlink": "http://www.w3.org/1999/xlink",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}


_NOT_NAMESPACE_WELL_FORMED = (
    "the file is not namespace-well-formed XML, so neither the schema nor a "
    "signature can be checked on it"
)


def _undeclared_message(match: re.Match[str]) -> str:
    prefix, attribute, element = match.groups()
    return undeclared_prefix_message(prefix, element, attribute)


def undeclared_prefix_message(
    prefix: str | None = None, element: str | None = None, attribute: str | None = None
) -> str:
    """A namespace prefix used but never declared: one refusal, whichever
    parser found it (libxml2 names the prefix; expat does not, its caller may)."""
    if prefix is None or element is None:
        known = ", ".join(f'xmlns:{p}="{uri}"' for p, uri in _KNOWN_PREFIXES.items())
        return (
            f"a namespace prefix is used but never declared: {_NOT_NAMESPACE_WELL_FORMED}; "
            f"declare it on the root element ({known})"
        )
    where = f"attribute {prefix}:{attribute} of {element}" if attribute else f"element {element}"
    uri = _KNOWN_PREFIXES.get(prefix, "its namespace URI")
    return (
        f"namespace prefix {prefix!r} is used ({where}) but never declared: "
        f'{_NOT_NAMESPACE_WELL_FORMED}; declare it on the root element (xmlns:{prefix}="{uri}")'
    )


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg or exc).strip()
    undeclared = _UNDECLARED.search(msg)
    if undeclared is not None:
        return _undeclared_message(undeclared)
    lowered = msg.lower()
    if "entity" in lowered and ("loop" in lowered or "amplification" in lowered):
        return f"entity expansion refused: {msg}"
    if "excessive depth" in lowered or ("depth" in lowered and "exceeds" in lowered):
        return f"nesting too deep: {msg}"
    return msg


def _syntax_line(exc: etree.XMLSyntaxError) -> int | None:
    line = exc.lineno if exc.lineno else None
    return int(line) if line else None
