"""Is a tree the strict schema accepted clean? Decided without building the model.

:class:`node.edxml.reader.Reader` checks values while it builds the Envelope,
and :mod:`node.validation.rules` checks what spans fields. Building the frozen
dataclasses costs more than parsing and schema validation together on a small
document, and callers read the Envelope later (in a worker thread) or never;
so the validator asks :func:`clean` first and builds the Envelope only when
it is read.

The strict schema (:mod:`node.validation.strict`) already holds what the reader
checks (calendar dates, timestamps, status codes, BussinessDocType) and most
rules (a ``To``, one ``DocumentId``, ``ResponseFor``, Priority, the manifest);
what is left is done here, with the functions the rules use
(:mod:`node.edxml.values`), on values read by two compiled XPaths (one C
call each, no element visited in Python):

- a document's ``DocumentId`` has the SPEC form and starts with the sender's
  OrganId; a status's ``ResponseFor/DocumentId`` has the SPEC form;
- every ``ContentTransferEncoded`` is well-formed base64 (decoded now; hashed
  when the Envelope is built).

Any doubt answers False and the validator takes the full path, whose verdict
and messages are the reference. When the Envelope is built, the reader's own
findings and the rules are checked once more
(:meth:`node.validation.validator.Validator`), so a disagreement can never
let an invalid message through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from lxml import etree

from node.edxml.values import document_id_organ, document_id_problem
from node.model import NAMESPACE

ProblemOf = Callable[[etree._Element], "str | None"]
"""The base64 verdict on a ``ContentTransferEncoded`` element (None: well-formed)."""

_HEADER = "/ed:edXML/ed:edXMLEnvelope/ed:edXMLHeader"
# An OrganId the strict schema accepted holds no "|": it separates the two values.
_DOCUMENT = (
    f"concat(string({_HEADER}/ed:MessageHeader/ed:From/ed:OrganId), '|', "
    f"count({_HEADER}/ed:MessageHeader/ed:DocumentId), '|', "
    f"string({_HEADER}/ed:MessageHeader/ed:DocumentId))"
)
_STATUS = f"string({_HEADER}/ed:Status/ed:ResponseFor/ed:DocumentId)"
_CONTENTS = "/ed:edXML/ed:AttachmentEncoded/ed:Attachment/ed:ContentTransferEncoded"
_DOUBT = (ValueError, KeyError, IndexError, TypeError, AttributeError)


class _XPaths(threading.local):
    """Compiled per thread: an XPath object serialises its evaluations."""

    def __init__(self) -> None:
        ns = {"ed": NAMESPACE}
        self.document = etree.XPath(_DOCUMENT, namespaces=ns, smart_strings=False)
        self.status = etree.XPath(_STATUS, namespaces=ns, smart_strings=False)
        self.contents = etree.XPath(_CONTENTS, namespaces=ns)


_xpaths: _XPaths | None = None
_xpaths_lock = threading.Lock()


def _compiled() -> _XPaths:
    global _xpaths
    if _xpaths is None:
        with _xpaths_lock:
            if _xpaths is None:
                _xpaths = _XPaths()
    return _xpaths


def clean(root: etree._Element, kind: str | None, problem_of: ProblemOf) -> bool:
    """True when the reader would find no problem and the rules nothing to say.

    ``root`` is normalised (``kind`` is what normalisation recognised),
    accepted by the strict schema, and stripped of comments and processing
    instructions (as the reader sees it)."""
    xpaths = _compiled()
    try:
        if kind == "document":
            found = xpaths.document(root)
            assert isinstance(found, str)
            sender, count, document_id = found.split("|", 2)
            value = document_id.strip()
            if count != "1" or document_id_problem(value) is not None:
                return False
            if document_id_organ(value) != sender.strip():
                return False
        elif kind == "status":
            found = xpaths.status(root)
            assert isinstance(found, str)
            if document_id_problem(found.strip()) is not None:
                return False
        else:
            return False
        contents = xpaths.contents(root)
        assert isinstance(contents, list)
        return all(isinstance(el, etree._Element) and problem_of(el) is None for el in contents)
    except _DOUBT:
        return False
