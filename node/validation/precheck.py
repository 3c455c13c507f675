"""Is a tree the strict schema accepted clean? Decided without building the model.

:class:`node.edxml.reader.Reader` checks values while it builds the Envelope,
and :mod:`node.validation.rules` checks what spans fields. Building the frozen
dataclasses costs more than parsing and schema validation together on a small
document, and callers read the Envelope later (in a worker thread) or never;
so the validator asks :func:`clean` first and builds the Envelope only when
it is read.

The strict schema (:mod:`node.validation.strict`) already holds what the reader
checks (calendar dates, timestamps, status codes, BussinessDocType) and most
rules (a ``To``, one ``DocumentId``, ``ResponseFor``, Priority, ContentIds in
printable ASCII);
what is left is done here, with the functions the rules use
(:mod:`node.edxml.values`), on the few elements one compiled XPath returns
(the tree is not walked in Python):

- a document's ``DocumentId`` has the SPEC form and starts with the sender's
  OrganId; a status's ``ResponseFor/DocumentId`` has the SPEC form;
- the manifest: no ContentId listed twice or attached twice, each Reference
  has its Attachment and each Attachment its Reference;
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

from node.edxml import names
from node.edxml.reader import text_of
from node.edxml.values import document_id_organ, document_id_problem
from node.model import NAMESPACE

ProblemOf = Callable[[etree._Element], "str | None"]
"""The base64 verdict on a ``ContentTransferEncoded`` element (None: well-formed)."""

_HEADER = "/ed:edXML/ed:edXMLEnvelope/ed:edXMLHeader"
_ENCODED = "/ed:edXML/ed:AttachmentEncoded"
# The manifest's ContentIds come before AttachmentEncoded in document order,
# the attachments' after it; their contents are checked as base64.
_MANIFEST = (
    "/ed:edXML/ed:edXMLEnvelope/ed:edXMLBody/ed:edXMLManifest/ed:Reference/ed:ContentId"
    f" | {_ENCODED} | {_ENCODED}/ed:Attachment/ed:ContentId"
    f" | {_ENCODED}/ed:Attachment/ed:ContentTransferEncoded"
)
# One evaluation each, results in document order. The strict schema admits
# exactly one of each header element named here.
_DOCUMENT = (
    f"{_HEADER}/ed:MessageHeader/ed:From/ed:OrganId | {_HEADER}/ed:MessageHeader/ed:DocumentId"
    f" | {_MANIFEST}"
)
_STATUS = f"{_HEADER}/ed:Status/ed:ResponseFor/ed:DocumentId | {_MANIFEST}"
_ORGAN_ID = names.q("OrganId")
_DOCUMENT_ID = names.q("DocumentId")
_CONTENT_ID = names.q("ContentId")
_DOUBT = (ValueError, KeyError, IndexError, TypeError, AttributeError)


class _XPaths(threading.local):
    """Compiled per thread: an XPath object serialises its evaluations."""

    def __init__(self) -> None:
        ns = {"ed": NAMESPACE}
        self.document = etree.XPath(_DOCUMENT, namespaces=ns)
        self.status = etree.XPath(_STATUS, namespaces=ns)


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
    if kind not in ("document", "status"):
        return False
    xpaths = _compiled()
    found = (xpaths.document if kind == "document" else xpaths.status)(root)
    assert isinstance(found, list)
    sender: str | None = None
    document_id: str | None = None
    references: list[str] = []
    attachments: list[str] = []
    content_ids = references
    try:
        for el in found:
            if not isinstance(el, etree._Element):
                return False
            tag = el.tag
            if tag == _CONTENT_ID:
                content_ids.append(text_of(el).strip())
            elif tag == names.ATTACHMENT_ENCODED:
                content_ids = attachments
            elif tag == _ORGAN_ID:
                sender = text_of(el).strip()
            elif tag == _DOCUMENT_ID:
                if document_id is not None:
                    return False
                document_id = text_of(el).strip()
            elif problem_of(el) is not None:
                return False
    except _DOUBT:
        return False
    if document_id is None or document_id_problem(document_id) is not None:
        return False
    if kind == "document" and document_id_organ(document_id) != sender:
        return False
    listed = set(references)  # the manifest rules, on ContentIds the strict schema kept ASCII
    return len(listed) == len(references) == len(attachments) and listed == set(attachments)
