"""Exclusive XML canonicalisation 1.0 (without comments) of a whole document,
streamed: the input is read in chunks, the canonical form goes chunk by chunk
into hashes, and nothing but the open elements' names and namespaces is held.

This is what an enveloped ``Reference URI=""`` with the enveloped-signature
and exclusive c14n transforms digests: the document without comments, with
the Signature being checked (and, for a counter-signature, the later ones)
left out. :mod:`signing.streamsign` signs with it and
:mod:`signing.streamverify` verifies with it; property tests hold it equal to
lxml's ``method="c14n", exclusive=True`` (the one signxml uses).

The parser is expat without namespace processing (prefixes are kept as
written, which c14n needs); DOCTYPEs, hence entity declarations, are refused
as :mod:`node.xmlsafe` refuses them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from xml.parsers import expat

from node.errors import MalformedXml, SigningFailed, UnsafeXml
from signing import treedigest
from signing.envelope import DS, EDXML_NAMESPACES
from signing.treedigest import NS_SPECIAL, UTF8_NAMES

XML_NS = "http://www.w3.org/XML/1998/namespace"
READ_CHUNK = 1 << 20
FLUSH_AT = 1 << 18
"""Characters of canonical output gathered before they are encoded and hashed."""

_HEADER_PATH = ("edXML", "edXMLEnvelope", "edXMLHeader")


class Unsupported(Exception):
    """A document this canonicaliser does not promise to digest as signxml does:
    a namespace URI with characters to escape (libxml2 writes them raw), and
    non-ASCII in element or attribute names or in processing instructions
    (signxml re-parses an ASCII serialisation, where those turn into text
    character references). Callers sign or verify it with signxml instead."""


def escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#xD;")
    return text


def escape_attr(value: str) -> str:
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\t" in value:
        value = value.replace("\t", "&#x9;")
    if "\n" in value:
        value = value.replace("\n", "&#xA;")
    if "\r" in value:
        value = value.replace("\r", "&#xD;")
    return value


@dataclass
class _Open:
    """An open element: its name, namespaces in scope, namespaces rendered."""

    qname: str
    uri: str
    local: str
    scope: dict[str, str]
    rendered: dict[str, str]
    excluded: frozenset[int]
    """Indexes of the digests this element (and its content) is left out of."""


@dataclass
class Facts:
    """What the pass saw besides the digests."""

    header_found: bool = False
    header_end: int | None = None
    """Byte offset of ``</edXMLHeader>`` in the input (where a new signature goes)."""
    header_signatures: int = 0
    stray_signatures: list[str] = field(default_factory=list)
    """Paths of ``ds:Signature`` elements outside edXMLHeader."""
    encoding: str | None = None
    """The declared encoding, if any."""


class Canonicaliser:
    """One pass over a document feeding ``digests`` canonical forms.

    Digest *i* leaves out the header signatures with index >= ``skip_from[i]``
    (None leaves out none). With ``per_signature`` (verifying), there is one
    digest per header signature instead, each leaving out that signature and
    the later ones (forked from the previous digest where the signature
    starts); ``on_event`` sees every event (to rebuild the signatures and a
    skeleton). Raises :class:`MalformedXml`, :class:`UnsafeXml`, :class:`Unsupported`.
    """

    def __init__(
        self,
        hash_names: Iterable[str],
        skip_from: Iterable[int | None],
        *,
        on_event: Callable[..., None] | None = None,
        per_signature: bool = False,
    ) -> None:
        self.hashes = [hashlib.new(name) for name in hash_names]
        self._skip_from = list(skip_from)
        self._per_signature = per_signature
        if per_signature and len(self.hashes) != 1:
            raise ValueError("per_signature starts from one digest")
        if len(self._skip_from) != len(self.hashes):
            raise ValueError("one skip_from per digest")
        self.facts = Facts()
        self._stack: list[_Open] = []
        self._buffer: list[str] = []
        self._size = 0
        self._active: tuple[int, ...] = tuple(range(len(self.hashes)))
        self._done_root = False
        self._on_event = on_event
        self._parser = self._new_parser()

    # ------------------------------------------------------------------ driving

    def _new_parser(self) -> Any:
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.buffer_size = FLUSH_AT
        parser.ordered_attributes = True
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.ProcessingInstructionHandler = self._pi
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.XmlDeclHandler = self._xml_decl
        return parser

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise MalformedXml(f"the document is not well-formed XML: {exc}") from None

    def close(self) -> list[bytes]:
        try:
            self._parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise MalformedXml(f"the document is not well-formed XML: {exc}") from None
        self._flush()
        return [h.digest() for h in self.hashes]

    def run(self, source: BinaryIO, copy: Callable[[bytes], None] | None = None) -> list[bytes]:
        while chunk := source.read(READ_CHUNK):
            if copy is not None:
                copy(chunk)
            self.feed(chunk)
        return self.close()

    @property
    def byte_index(self) -> int:
        return int(self._parser.CurrentByteIndex)

    # ------------------------------------------------------------------ output

    def _write(self, text: str) -> None:
        self._buffer.append(text)
        self._size += len(text)
        if self._size >= FLUSH_AT:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        data = "".join(self._buffer).encode("utf-8")
        self._buffer = []
        self._size = 0
        for index in self._active:
            self.hashes[index].update(data)

    def _set_active(self, excluded: frozenset[int]) -> None:
        active = tuple(i for i in range(len(self.hashes)) if i not in excluded)
        if active != self._active:
            self._flush()
            self._active = active

    # ------------------------------------------------------------------ handlers

    def _doctype(self, *_: Any) -> None:
        raise UnsafeXml("DOCTYPE declarations are not accepted")

    def _entity(self, *_: Any) -> None:  # pragma: no cover - only inside a DOCTYPE
        raise UnsafeXml("entity declarations are not accepted")

    def _xml_decl(self, version: str, encoding: str | None, standalone: int) -> None:
        del version, standalone
        self.facts.encoding = encoding

    def _start(self, qname: str, attributes: list[str]) -> None:
        if not qname.isascii() or not all(a.isascii() for a in attributes[::2]):
            raise Unsupported(f"non-ASCII name in {qname!r}")
        parent = self._stack[-1] if self._stack else None
        scope = parent.scope if parent else {"xml": XML_NS}
        plain: list[tuple[str, str]] = []
        declared: dict[str, str] | None = None
        for i in range(0, len(attributes), 2):
            name, value = attributes[i], attributes[i + 1]
            if name == "xmlns":
                declared = declared or {}
                declared[""] = value
            elif name.startswith("xmlns:"):
                declared = declared or {}
                declared[name[6:]] = value
            else:
                plain.append((name, value))
        if declared:
            scope = {**scope, **declared}
        prefix, _, local = qname.rpartition(":")
        uri = self._uri(scope, prefix, qname)
        excluded = parent.excluded if parent else frozenset()
        depth = len(self._stack)
        signature_index: int | None = None
        if uri == DS and local == "Signature":
            if self._in_header(depth):
                signature_index = self.facts.header_signatures
                self.facts.header_signatures += 1
                if self._per_signature:
                    self._flush()
                    self.hashes.append(self.hashes[signature_index].copy())
                    excluded = excluded | frozenset(range(signature_index + 1))
                else:
                    excluded = excluded | {
                        i
                        for i, start in enumerate(self._skip_from)
                        if start is not None and signature_index >= start
                    }
            else:
                self.facts.stray_signatures.append(
                    "/" + "/".join([*(o.local for o in self._stack), local])
                )
        if depth == 2 and local == "edXMLHeader" and uri in EDXML_NAMESPACES:
            self.facts.header_found = self.facts.header_found or self._in_path(depth)
        self._set_active(excluded)
        rendered = parent.rendered if parent else {"": ""}
        attrs: list[tuple[str, str, str, str]] = []
        used = {prefix}
        for name, value in plain:
            a_prefix, _, a_local = name.rpartition(":")
            a_uri = ""
            if a_prefix:
                used.add(a_prefix)
                a_uri = self._uri(scope, a_prefix, name)
            attrs.append((a_uri, a_local, name, value))
        out = [f"<{qname}"]
        new_rendered = rendered
        for p in sorted(used):
            if p == "xml":
                continue
            bound = scope.get(p, "")
            if rendered.get(p, None if p else "") != bound:
                if new_rendered is rendered:
                    new_rendered = dict(rendered)
                new_rendered[p] = bound
                name = f"xmlns:{p}" if p else "xmlns"
                if not NS_SPECIAL.isdisjoint(bound):
                    raise Unsupported(f"namespace URI {bound!r} needs escaping")
                out.append(f' {name}="{bound}"')
        attrs.sort(key=lambda a: (a[0], a[1]))
        for _, _, name, value in attrs:
            out.append(f' {name}="{escape_attr(value)}"')
        out.append(">")
        self._write("".join(out))
        self._stack.append(_Open(qname, uri, local, scope, new_rendered, excluded))
        if self._on_event is not None:
            self._on_event("start", qname, attributes, signature_index, scope)

    def _end(self, qname: str) -> None:
        element = self._stack.pop()
        self._write(f"</{qname}>")
        depth = len(self._stack)
        if (
            depth == 2
            and element.local == "edXMLHeader"
            and element.uri in EDXML_NAMESPACES
            and self._in_path(depth)
            and self.facts.header_end is None
        ):
            self.facts.header_end = self.byte_index
        if self._on_event is not None:
            self._on_event("end", qname, None, None, None)
        parent_excluded = self._stack[-1].excluded if self._stack else frozenset()
        self._set_active(parent_excluded)
        if not self._stack:
            self._done_root = True

    def _text(self, data: str) -> None:
        if not self._stack:
            return  # outside the document element: not in the canonical form
        self._write(escape_text(data))
        if self._on_event is not None:
            self._on_event("text", data, None, None, None)

    def _pi(self, target: str, data: str) -> None:
        if not (target + data).isascii():
            raise Unsupported("non-ASCII processing instruction")
        text = f"<?{target} {data}?>" if data else f"<?{target}?>"
        if not self._stack:
            text = f"\n{text}" if self._done_root else f"{text}\n"
        self._write(text)

    # ------------------------------------------------------------------ helpers

    def _uri(self, scope: dict[str, str], prefix: str, qname: str) -> str:
        if not prefix:
            return scope.get("", "")
        try:
            return scope[prefix]
        except KeyError:
            raise MalformedXml(f"undeclared namespace prefix in {qname!r}") from None

    def _in_path(self, depth: int) -> bool:
        """The open elements are edXML/edXMLEnvelope/... in an edXML namespace."""
        for i in range(depth):
            element = self._stack[i]
            if element.local != _HEADER_PATH[i] or element.uri not in EDXML_NAMESPACES:
                return False
        return True

    def _in_header(self, depth: int) -> bool:
        return depth == 3 and self._in_path(3)


def canonical_digest(source: BinaryIO, hash_name: str = "sha256") -> bytes:
    """The digest of the exclusive canonical form of the whole document."""
    return Canonicaliser([hash_name], [None]).run(source)[0]


# --------------------------------------------------------------------------- signing


@dataclass(frozen=True)
class Prepared:
    """The key-free half of a streamed signature: the document's digest and
    where the signature goes. Pure data, so it can be computed in another
    process (node/offload.py) while this one validates; :func:`signing.streamsign.sign_stream`
    uses it only for the very file it was made from (:func:`identity`)."""

    digest: bytes
    header_end: int
    identity: tuple[int, ...]


def identity(source: BinaryIO) -> tuple[int, ...]:
    """Which file this is, as it is now: device, inode, size, modification time."""
    st = os.fstat(source.fileno())
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def prepare(source: BinaryIO) -> Prepared | None:
    """The key-free half of a streamed signature (here, so that the process
    computing it imports no crypto): canonicalise and digest ``source``
    (seekable); None when the document needs signxml instead. Raises
    :class:`SigningFailed` for input that is not an edXML envelope,
    :class:`MalformedXml`/:class:`UnsafeXml`."""
    head = source.read(4)
    if head[:2] in (b"\xfe\xff", b"\xff\xfe") or head in (b"\x00<\x00?", b"<\x00?\x00"):
        return None  # UTF-16: the signature's bytes could not be spliced in as they are
    source.seek(0)
    small = source.read(treedigest.MAX_BYTES + 1)
    if len(small) <= treedigest.MAX_BYTES and (quick := treedigest.digest_and_header_end(small)):
        digest, header_end = quick
        return Prepared(digest, header_end, identity(source) if is_file(source) else ())
    source.seek(0)
    c14n = Canonicaliser(["sha256"], [None])
    try:
        (digest,) = c14n.run(source)
    except Unsupported:
        return None
    facts = c14n.facts
    if facts.encoding is not None and facts.encoding.lower() not in UTF8_NAMES:
        return None
    if not facts.header_found or facts.header_end is None:
        raise SigningFailed("not an edXML envelope: edXML/edXMLEnvelope/edXMLHeader not found")
    source.seek(facts.header_end)
    if source.read(2) != b"</":
        return None  # an empty <edXMLHeader/>: no end tag to put the signature before
    return Prepared(digest, facts.header_end, identity(source) if is_file(source) else ())


def is_file(source: BinaryIO) -> bool:
    try:
        source.fileno()
    except (AttributeError, OSError, ValueError):  # io.BytesIO: UnsupportedOperation
        return False
    return True


def prepare_file(path: str) -> Prepared | None:
    """:func:`prepare` of a file by name (what another process is sent)."""
    with open(path, "rb") as source:
        return prepare(source)
