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
# A status is a MessageHeader holding a StatusCode (every real file, and what
# lienthong writes) or a Status (accepted); which one is known at the header's end.
_HEADERS = frozenset({"MessageHeader", "Status"})


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
        self._header: str | None = None
        self._status_code = False
        self._kind: MessageKind | None = None
        self._sender: str | None = None
        self._own_id: str | None = None
        self._response_id: str | None = None
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
        status = self._kind is MessageKind.STATUS
        return HeaderPeek(self._kind, self._sender, self._response_id if status else self._own_id)

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
            if self._header is None and name in _HEADERS and self._parent() == "edXMLHeader":
                self._header = name
            return
        if self._header is not None and self._kind is None:
            if self._path[-3:-1] == ["edXMLHeader", self._header]:
                self._child_of_header(name, element)
            elif self._path[-3:-1] == [self._header, "From"] and name == "OrganId":
                self._sender = self._sender or _text(element)
            elif self._path[-3:-1] == [self._header, "ResponseFor"] and name == "DocumentId":
                self._response_id = self._response_id or _text(element)
            elif name == self._header and self._parent() == "edXMLHeader":
                status = self._header == "Status" or self._status_code
                self._kind = MessageKind.STATUS if status else MessageKind.DOCUMENT
                self.done = True
        self._path.pop()

    def _parent(self) -> str | None:
        return self._path[-2] if len(self._path) >= 2 else None

    def _child_of_header(self, name: str, element: etree._Element) -> None:
        if name == "StatusCode":
            self._status_code = True
        elif name == "DocumentId":
            self._own_id = self._own_id or _text(element)


def _text(element: etree._Element) -> str | None:
    return (element.text or "").strip() or None


def peek_bytes(data: bytes) -> HeaderPeek:
    peeker = HeaderPeeker()
    peeker.feed(data)
    return peeker.result()
