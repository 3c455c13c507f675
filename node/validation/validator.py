"""The validator: hardened parse → normalise → XSD → rules → Envelope.

Two paths give the same answers (the Envelope differs only in attachment
``content``):

- fast (files up to :data:`STREAM_THRESHOLD`): lxml parses the bytes, the
  compiled schema validates, the rules run, attachments are decoded in memory;
- streaming (larger files): :mod:`node.edxml.stream` reads the file in chunks
  with expat into a reduced tree without attachment texts, checking base64 and
  hashing on the fly; attachments come back with ``content=None``, ``size`` and
  ``sha256``.

Unsafe input (DOCTYPE, entities, excessive depth) raises
:class:`node.errors.UnsafeXml`; input that is not well-formed XML raises
:class:`node.errors.MalformedXml`. Everything else is a report.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from lxml import etree

from node.edxml import names
from node.edxml.base64content import DecodedContent, decode_text
from node.edxml.reader import ContentSource, Reader, text_of
from node.edxml.stream import StreamedTree, read_stream
from node.errors import Issue, ValidationFailed
from node.model import Envelope, MessageKind
from node.validation import rules, xsd
from node.validation.paths import Locator
from node.xmlsafe import parse_bytes
from schemas import EdxmlSchema, load_edxml_schema

STREAM_THRESHOLD = 8 * 1024 * 1024
"""Files larger than this are validated by streaming, attachments left on disk."""

_LIBXML2_TEXT_LIMIT = 10_000_000
"""Texts above this need lxml's huge_tree (only reachable with a raised threshold)."""


@dataclass(frozen=True)
class ValidationReport:
    """The verdict on one message: its kind (when recognisable), the issues found,
    and the Envelope when there are none."""

    kind: MessageKind | None
    issues: tuple[Issue, ...]
    envelope: Envelope | None = None

    @property
    def valid(self) -> bool:
        return not self.issues

    def raise_for_issues(self) -> None:
        if self.issues:
            raise ValidationFailed(self.issues)


class Validator:
    """Holds the compiled schema (one per thread: lxml keeps a schema's error log
    on the schema object). Create one and reuse it; it is cheap to keep."""

    def __init__(self, *, stream_threshold: int = STREAM_THRESHOLD) -> None:
        self.stream_threshold = stream_threshold
        self._local = threading.local()

    def _schema(self) -> EdxmlSchema:
        schema: EdxmlSchema | None = getattr(self._local, "schema", None)
        if schema is None:
            schema = load_edxml_schema()
            self._local.schema = schema
        return schema

    def validate_bytes(self, data: bytes) -> ValidationReport:
        if len(data) > self.stream_threshold:
            return self._validate_streamed(read_stream(io.BytesIO(data)))
        tree = parse_bytes(data, huge_tree=len(data) > _LIBXML2_TEXT_LIMIT)
        decoded: dict[etree._Element, DecodedContent] = {}

        def content_of(el: etree._Element) -> DecodedContent:
            found = decoded.get(el)
            if found is None:
                found = decoded[el] = decode_text(text_of(el), keep=True)
            return found

        return self._validate_tree(tree, content_of, {})

    def validate_file(self, path: Path) -> ValidationReport:
        """Validate a regular file (OSError for anything else: a FIFO or a device
        could feed us forever)."""
        with path.open("rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", str(path))
            size = info.st_size
            if size > self.stream_threshold:
                return self._validate_streamed(read_stream(stream))
            data = stream.read()
        return self.validate_bytes(data)

    def _validate_streamed(self, streamed: StreamedTree) -> ValidationReport:
        contents = streamed.contents

        def content_of(el: etree._Element) -> DecodedContent:
            return contents.get(el) or _EMPTY

        return self._validate_tree(streamed.tree, content_of, streamed.lines)

    def _validate_tree(
        self,
        tree: etree._ElementTree,
        content_of: ContentSource,
        lines: Mapping[etree._Element, int],
    ) -> ValidationReport:
        root = tree.getroot()
        norm = names.normalise(root)
        locator = Locator(norm, lines)
        kind = MessageKind(norm.kind) if norm.kind else None
        schema = self._schema().xmlschema
        if not schema.validate(tree):
            log = cast(Iterable[etree._LogEntry], schema.error_log)
            issues, skipped_base64 = xsd.translate(root, log, locator)
            if not issues and not skipped_base64:  # never let a schema failure pass
                issues = [Issue(None, "/", "does not conform to the edXML schema")]
            if issues:
                return ValidationReport(kind, _sorted(issues))
        etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
        reader = Reader(content_of)
        envelope = reader.read(root)
        issues = [Issue(locator.line(el), locator.path(el), msg) for el, msg in reader.problems]

        def add(el: etree._Element, message: str) -> None:
            issues.append(Issue(locator.line(el), locator.path(el), message))

        rules.check(reader.facts, add)
        if issues:
            return ValidationReport(kind, _sorted(issues))
        return ValidationReport(kind, (), envelope)


_EMPTY = DecodedContent(size=0, sha256="", content=None)


def _sorted(issues: list[Issue]) -> tuple[Issue, ...]:
    return tuple(sorted(issues, key=lambda i: (i.line or 0, i.path)))
