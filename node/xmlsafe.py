"""Hardened XML parsing: the only way lienthong turns untrusted bytes into a tree.

Refused before anything is resolved: any DOCTYPE (so no DTD, no entity
declarations, hence no XXE and no entity bombs), external resources, and
nesting deeper than :data:`MAX_DEPTH`. lxml is configured defensively as well
(no network, no entity resolution, no DTD loading) in case a DOCTYPE slips past
the prolog scan. ``huge_tree`` is enabled only when the caller asks for it
(large attachments), never by default.
"""

from __future__ import annotations

import functools
import re
from typing import IO

from lxml import etree

from node.errors import MalformedXml, UnsafeXml

MAX_DEPTH = 64
"""edXML is about 8 levels deep; anything past this is an attack or garbage."""

_PROLOG_LIMIT = 64 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _parser(huge_tree: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_tree,
        collect_ids=False,
        remove_blank_text=False,
    )


_PARSER = _parser(huge_tree=False)
_HUGE_PARSER = _parser(huge_tree=True)


def check_prolog(head: bytes) -> None:
    """Refuse DOCTYPE/ENTITY declarations and non-UTF-8 encodings in the prolog.

    ``head`` is the first bytes of the document (at least up to the root start
    tag; 64 KiB is plenty). The scan is byte-level and runs before any parser.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
        raise UnsafeXml("UTF-16/UCS encodings are not accepted; edXML is UTF-8")
    prolog = head[:_PROLOG_LIMIT]
    root_start = _first_element_start(prolog)
    scan = prolog if root_start < 0 else prolog[:root_start]
    if _DOCTYPE.search(scan) or _ENTITY.search(scan):
        raise UnsafeXml("DOCTYPE/ENTITY declarations are not allowed (no DTDs, no entities)")


def _first_element_start(data: bytes) -> int:
    """Offset of the first ``<`` that opens an element (not ``<?`` or ``<!``), or -1."""
    pos = 0
    while True:
        pos = data.find(b"<", pos)
        if pos < 0 or pos + 1 >= len(data):
            return -1
        nxt = data[pos + 1 : pos + 2]
        if nxt not in (b"?", b"!"):
            return pos
        pos += 1


def parse_bytes(data: bytes, *, huge_tree: bool = False) -> etree._ElementTree:
    """Parse untrusted bytes into an lxml tree, refusing anything unsafe."""
    if not data or data.isspace():
        raise MalformedXml("empty document")
    check_prolog(data[:_PROLOG_LIMIT])
    try:
        root = etree.fromstring(data, parser=_HUGE_PARSER if huge_tree else _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(_syntax_message(exc), line=_syntax_line(exc)) from None
    tree = root.getroottree()
    _check_tree(tree)
    return tree


def parse_file(stream: IO[bytes], *, huge_tree: bool = False) -> etree._ElementTree:
    """Parse an open binary file. The prolog is scanned, then rewound and parsed."""
    head = stream.read(_PROLOG_LIMIT)
    if not head.strip():
        raise MalformedXml("empty document")
    check_prolog(head)
    stream.seek(0)
    try:
        tree = etree.parse(stream, parser=_HUGE_PARSER if huge_tree else _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(_syntax_message(exc), line=_syntax_line(exc)) from None
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


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg or exc).strip()
    lowered = msg.lower()
    if "entity" in lowered and ("loop" in lowered or "amplification" in lowered):
        return f"entity expansion refused: {msg}"
    if "excessive depth" in lowered or ("depth" in lowered and "exceeds" in lowered):
        return f"nesting too deep: {msg}"
    return msg


def _syntax_line(exc: etree.XMLSyntaxError) -> int | None:
    line = exc.lineno if exc.lineno else None
    return int(line) if line else None
