"""The validator: hardened parse → normalise → XSD → rules → Envelope.

Two paths give the same answers (the Envelope differs only in attachment
``content``):

- fast (files up to :data:`STREAM_THRESHOLD`): lxml parses the bytes, the
  compiled schema validates, the rules run, attachments are decoded in memory;
- streaming (larger files): :mod:`node.edxml.stream` reads the file in chunks
  with expat into a reduced tree without attachment texts, checking base64 and
  hashing on the fly; attachments come back with ``content=None``, ``size`` and
  ``sha256``.

Both go through the same steps: a first pass with the strict schema
(:mod:`node.validation.strict`) and :func:`node.validation.precheck.clean`;
when both pass, the report says valid and its ``envelope`` is built on first
read. Otherwise the full path (packaged schema, translated error log, reader,
rules) decides and words the issues.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from lxml import etree

from node.edxml import names
from node.edxml.base64content import (
    DecodedContent,
    decode_text,
    decode_well_formed,
    decoded_content,
)
from node.edxml.reader import ContentSource, Reader, text_of
from node.edxml.stream import StreamedTree, read_stream
from node.errors import Issue, ValidationFailed
from node.model import Envelope, MessageKind
from node.validation import precheck, rules, xsd
from node.validation.paths import Locator
from node.validation.strict import load_strict_schema
from node.xmlsafe import parse_bytes
from schemas import EdxmlSchema, load_edxml_schema

STREAM_THRESHOLD = 8 * 1024 * 1024
"""Files larger than this are validated by streaming, attachments left on disk."""

_LIBXML2_TEXT_LIMIT = 10_000_000
"""Texts above this need lxml's huge_tree (only reachable with a raised threshold)."""


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """The verdict on one message: its kind (when recognisable), the issues found,
    and the Envelope when there are none.

    The Envelope of a valid message is built when :attr:`envelope` is first read
    (once, thread-safe): read it where the work may be done (an executor thread,
    not an event loop)."""

    kind: MessageKind | None
    issues: tuple[Issue, ...]
    _envelope: Envelope | None = field(default=None, repr=False)
    _build: Callable[[], Envelope] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def valid(self) -> bool:
        return not self.issues

    @property
    def envelope(self) -> Envelope | None:
        if self._build is not None:
            with self._lock:
                build = self._build
                if build is not None:
                    object.__setattr__(self, "_envelope", build())
                    object.__setattr__(self, "_build", None)
        return self._envelope

    def raise_for_issues(self) -> None:
        if self.issues:
            raise ValidationFailed(self.issues)

    def _key(self) -> tuple[object, ...]:
        return (self.kind, self.issues, self.envelope)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ValidationReport):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


class _Contents:
    """Attachment contents of an in-memory tree: checked (decoded, not hashed)
    by the first pass, completed (hashed) when the Envelope is built."""

    def __init__(self) -> None:
        self._raw: dict[etree._Element, bytes] = {}
        self._decoded: dict[etree._Element, DecodedContent] = {}

    def problem(self, el: etree._Element) -> str | None:
        raw = decode_well_formed(text_of(el))
        if raw is not None:
            self._raw[el] = raw
            return None
        return self.content(el).problem

    def content(self, el: etree._Element) -> DecodedContent:
        found = self._decoded.get(el)
        if found is None:
            raw = self._raw.pop(el, None)
            found = decode_text(text_of(el)) if raw is None else decoded_content(raw)
            self._decoded[el] = found
        return found


class _Streamed:
    def __init__(self, contents: Mapping[etree._Element, DecodedContent]) -> None:
        self._contents = contents

    def problem(self, el: etree._Element) -> str | None:
        return self.content(el).problem

    def content(self, el: etree._Element) -> DecodedContent:
        return self._contents.get(el) or _EMPTY


class Validator:
    """Holds the compiled schemas (per thread: lxml keeps a schema's error log
    on the schema object; compiled under :data:`schemas.COMPILE_LOCK`). Create
    one and reuse it; it is cheap to keep. ``first_pass=False`` always takes
    the full path (tests compare both)."""

    def __init__(
        self, *, stream_threshold: int = STREAM_THRESHOLD, first_pass: bool = True
    ) -> None:
        self.stream_threshold = stream_threshold
        self.first_pass = first_pass
        self._local = threading.local()

    def _schema(self) -> EdxmlSchema:
        schema: EdxmlSchema | None = getattr(self._local, "schema", None)
        if schema is None:
            schema = load_edxml_schema()
            self._local.schema = schema
        return schema

    def _strict(self) -> etree.XMLSchema:
        schema: etree.XMLSchema | None = getattr(self._local, "strict", None)
        if schema is None:
            schema = load_strict_schema()
            self._local.strict = schema
        return schema

    def validate_bytes(self, data: bytes) -> ValidationReport:
        if len(data) > self.stream_threshold:
            return self._validate_streamed(read_stream(io.BytesIO(data)))
        tree = parse_bytes(data, huge_tree=len(data) > _LIBXML2_TEXT_LIMIT)
        return self._validate_tree(tree, _Contents(), {})

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
        return self._validate_tree(streamed.tree, _Streamed(streamed.contents), streamed.lines)

    def _validate_tree(
        self,
        tree: etree._ElementTree,
        contents: _Contents | _Streamed,
        lines: Mapping[etree._Element, int],
    ) -> ValidationReport:
        root = tree.getroot()
        norm = names.normalise(root)
        kind = MessageKind(norm.kind) if norm.kind else None
        if self.first_pass and self._strict().validate(tree):
            etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
            if precheck.clean(root, norm.kind, contents.problem):

                def build() -> Envelope:
                    return self._read_clean(tree, contents, Locator(norm, lines))

                return ValidationReport(kind, (), _build=build)
        return self._full(tree, contents.content, Locator(norm, lines), kind)

    def _read_clean(
        self, tree: etree._ElementTree, contents: _Contents | _Streamed, locator: Locator
    ) -> Envelope:
        """The Envelope of a tree the first pass found clean. Should the reader
        disagree (a defect), the full path's issues are raised, never ignored."""
        reader = Reader(contents.content)
        envelope = reader.read(tree.getroot())
        disagree = bool(reader.problems)
        if not disagree:

            def add(el: etree._Element, message: str) -> None:
                nonlocal disagree
                disagree = True

            rules.check(reader.facts, add)
        if disagree:
            report = self._full(tree, contents.content, locator, None)
            raise ValidationFailed(report.issues or (Issue(None, "/", "invalid edXML"),))
        return envelope

    def _full(
        self,
        tree: etree._ElementTree,
        content_of: ContentSource,
        locator: Locator,
        kind: MessageKind | None,
    ) -> ValidationReport:
        root = tree.getroot()
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
