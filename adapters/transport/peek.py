"""A quick, bounded look at an edXML file's header: document or status, who sent
it, which document it is about. Fed chunk by chunk while the bytes stream
somewhere else, it stops after the header and never reads the attachments.

The same defences as :mod:`node.xmlsafe` apply (its scanner and its parser
settings): the prolog is scanned for DOCTYPE/ENTITY and non-UTF-8 encodings
before each chunk reaches the parser, lxml resolves, loads and opens nothing,
and nesting is bounded. This is not validation (the engine validates); it only
answers "which ``kind`` do I submit this as" and fills receipts.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from node.errors import MalformedXml, UnsafeXml
from node.model import MessageKind
from node.xmlsafe import MAX_DEPTH, ExternalRefused, PrologScanner, pull_parser

PROLOG_BYTES = 64 * 1024
DEFAULT_LIMIT = 4 << 20
_KINDS = {"MessageHeader": MessageKind.DOCUMENT, "Status": MessageKind.STATUS}
_SENDER_PATHS = {("MessageHeader", "From", "OrganId"), ("Status", "From", "OrganId")}
_DOCUMENT_ID_PATHS = {("MessageHeader", "DocumentId"), ("Status", "ResponseFor", "DocumentId")}


@dataclass(frozen=True)
class HeaderPeek:
    kind: MessageKind
    sender: str | None
    document_id: str | None


class HeaderPeeker:
    """Feed bytes in order; :meth:`feed` answers True once the header is known."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._seen = 0
        self._pending = b""
        self._started = False
        self._parser = pull_parser()
        self._prolog = PrologScanner()
        self._path: list[str] = []
        self._kind: MessageKind | None = None
        self._sender: str | None = None
        self._document_id: str | None = None
        self.done = False

    def feed(self, chunk: bytes) -> bool:
        if self.done:
            return True
        self._seen += len(chunk)
        if not self._started:
            self._pending += chunk
            if len(self._pending) < PROLOG_BYTES:
                return False
            chunk, self._pending = self._pending, b""
            self._start(chunk)
        self._feed_parser(chunk)
        if not self.done and self._seen > self._limit:
            raise MalformedXml(
                f"no edXML header (MessageHeader or Status) in the first {self._limit} bytes"
            )
        return self.done

    def result(self) -> HeaderPeek:
        """The header facts; call after :meth:`feed` said True or at end of input."""
        if not self._started:
            chunk, self._pending = self._pending, b""
            if not chunk.strip():
                raise MalformedXml("empty document")
            self._start(chunk)
            self._feed_parser(chunk)
        if self._kind is None or not self.done:
            raise MalformedXml("not an edXML message: no complete MessageHeader or Status header")
        return HeaderPeek(self._kind, self._sender, self._document_id)

    def _start(self, head: bytes) -> None:
        self._started = True

    def _feed_parser(self, chunk: bytes) -> None:
        if not self._prolog.done:
            self._prolog.feed(chunk)  # raises on a DOCTYPE or a non-UTF-8 encoding
        try:
            self._parser.feed(chunk)
            for event, element in self._parser.read_events():
                if isinstance(element, etree._Element):
                    self._on(event, element)
                if self.done:
                    return
        except etree.XMLSyntaxError as exc:
            raise MalformedXml(str(exc.msg or exc), line=exc.lineno or None) from None
        except ExternalRefused:
            raise UnsafeXml("external resources are never loaded (no DTDs, no entities)") from None

    def _on(self, event: str, element: etree._Element) -> None:
        if not isinstance(element.tag, str):
            return
        name = etree.QName(element).localname
        if event == "start":
            self._path.append(name)
            if len(self._path) > MAX_DEPTH:
                raise UnsafeXml(f"nesting deeper than {MAX_DEPTH} levels")
            if self._kind is None and name in _KINDS and self._parent() == "edXMLHeader":
                self._kind = _KINDS[name]
            return
        if self._kind is not None:
            self._collect(element)
            if name in _KINDS and self._parent() == "edXMLHeader":
                self.done = True
        self._path.pop()

    def _parent(self) -> str | None:
        return self._path[-2] if len(self._path) >= 2 else None

    def _collect(self, element: etree._Element) -> None:
        tail3, tail2 = tuple(self._path[-3:]), tuple(self._path[-2:])
        text = (element.text or "").strip() or None
        if tail3 in _SENDER_PATHS and self._sender is None:
            self._sender = text
        elif (tail2 in _DOCUMENT_ID_PATHS or tail3 in _DOCUMENT_ID_PATHS) and not self._document_id:
            self._document_id = text


def peek_bytes(data: bytes) -> HeaderPeek:
    peeker = HeaderPeeker()
    peeker.feed(data)
    return peeker.result()
