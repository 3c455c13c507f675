"""Business rules beyond the XSD (domain §1-4), each with its own message.

The XSD's simple types enforce the organ-id format (everywhere an OrganId
appears), the date/timestamp/status-code shapes and integer types;
:mod:`node.validation.xsd` words their failures with the same functions as
here (:func:`node.organ.organ_id_problem`, :mod:`node.edxml.values`).
While reading the tree in its single pass, :class:`node.edxml.reader.Reader`
checks what it must to build values — real calendar dates and timestamps,
known status codes (domain §3), BussinessDocType 0..3 (domain §4), strictly valid
base64 attachment contents — and notes the elements the cross-field rules
below need:

- a document has at least one ``To``;
- a document has exactly one ``DocumentId`` of the form
  ``{sender OrganId},{yyyy/MM/dd},{CodeNumber}/{CodeNotation}`` whose OrganId
  part is ``From/OrganId``; a status's ``ResponseFor/DocumentId`` has that form;
- a status has ``ResponseFor``;
- ``Priority`` is 0..3 ([our rule]: 0 normal, 1 urgent, 2 very urgent, 3 express);
- every manifest ``Reference`` has exactly one ``Attachment`` with its ContentId,
  and every ``Attachment`` is listed in the manifest.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from node.edxml.reader import Facts, text_of
from node.edxml.values import DOCUMENT_ID_FORMAT, document_id_organ, document_id_problem

PRIORITY_RANGE = range(0, 4)

Add = Callable[[etree._Element, str], None]


def check(facts: Facts, add: Add) -> None:
    """Apply the cross-field rules to what the reader noted."""
    if facts.header is None:
        return
    if facts.header.tag.endswith("}Status"):
        _status(facts, add)
    else:
        _document(facts, add)
    _manifest(facts, add)


def _token(el: etree._Element) -> str:
    return text_of(el).strip()


def _document(facts: Facts, add: Add) -> None:
    assert facts.header is not None
    if not facts.recipients:
        add(facts.header, "a document needs at least one To (the recipient organ)")
    if not facts.document_ids:
        add(facts.header, f"missing DocumentId ({DOCUMENT_ID_FORMAT})")
    elif len(facts.document_ids) > 1:
        add(facts.document_ids[1], "DocumentId is given twice; give it once")
    else:
        _document_id(facts.document_ids[0], facts.sender, add)
    if facts.priority is not None:
        value = int(_token(facts.priority))
        if value not in PRIORITY_RANGE:
            add(
                facts.priority,
                f"Priority {value} is outside 0..3 (lienthong's rule: 0 normal, 1 urgent, "
                "2 very urgent, 3 express)",
            )


def _document_id(el: etree._Element, sender: str, add: Add) -> None:
    value = _token(el)
    problem = document_id_problem(value)
    if problem is not None:
        add(el, problem)
        return
    organ = document_id_organ(value)
    if organ != sender:
        add(
            el,
            f"DocumentId {value!r} starts with OrganId {organ!r} but the sender "
            f"(From/OrganId) is {sender!r}",
        )


def _status(facts: Facts, add: Add) -> None:
    assert facts.header is not None
    if facts.response_for is None:
        add(facts.header, "a status message needs ResponseFor (the document it reports on)")
    elif facts.status_document_id is not None:
        problem = document_id_problem(_token(facts.status_document_id))
        if problem is not None:
            add(facts.status_document_id, problem)


def _manifest(facts: Facts, add: Add) -> None:
    references: dict[str, list[etree._Element]] = {}
    for cid, el in facts.references:
        references.setdefault(cid, []).append(el)
    attachments: dict[str, list[etree._Element]] = {}
    for cid, el in facts.attachments:
        attachments.setdefault(cid, []).append(el)
    for cid, refs in references.items():
        if len(refs) > 1:
            add(refs[1], f"ContentId {cid!r} is listed {len(refs)} times in the manifest")
        found = attachments.get(cid, ())
        if not found:
            add(refs[0], f"manifest Reference {cid!r} has no Attachment with that ContentId")
        elif len(found) > 1:
            add(found[1], f"{len(found)} Attachments have ContentId {cid!r}; exactly one may")
    for cid, atts in attachments.items():
        if cid not in references:
            add(atts[0], f"Attachment {cid!r} is not listed in the manifest (edXMLManifest)")
