"""Element names of edXML and the normalisation of accepted input variants.

Every tree lienthong validates or reads is first brought to one canonical form,
so the XSD and the reader see a single vocabulary:

- the older namespace ``http://www.e-doc.vn/Schema/`` becomes the current one;
- elements under ``AttachmentEncoded`` written without a namespace get the
  current one (real files mix both there);
- a status message wrapped in ``MessageHeader`` (a ``MessageHeader`` holding a
  ``StatusCode``: every real file, the national library, and lienthong's own
  writer) has that element renamed ``Status``, the internal name the schema
  and the reader use; the original name is remembered so error paths show
  what the file really says;
- a ``Signature`` child of ``edXMLHeader`` in the edXML namespace (real
  national files write it unprefixed under the root's default namespace) is a
  legacy XML-DSig signature: its elements are moved into the XML-DSig
  namespace, so the schema checks it as one and the reader counts it (the
  verifier, reading the file itself, verifies it: ``signing.envelope``);
- a ``ResponseFor`` with nothing in it (``<ResponseFor/>``, or only empty
  children, as the national SDK's sample carries) names no document and is
  dropped (a status then lacks ResponseFor and is refused for that);
- a ``TraceHeader`` whose ``OrganId`` is missing, empty or ``null`` (as some
  axis software writes it) records no one and is dropped: traces are a trail
  for people, nothing routes or authorises by them.

The bytes stored, signed and delivered are never these trees: normalisation
only decides what is read and validated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from node.model import DSIG_NAMESPACE, LEGACY_NAMESPACE, NAMESPACE

_NS = "{" + NAMESPACE + "}"
_LEGACY = "{" + LEGACY_NAMESPACE + "}"
NS_PREFIX_LEN = len(_NS)


def q(local: str) -> str:
    """Clark name ``{namespace}local`` in the namespace lienthong emits."""
    return _NS + local


EDXML = q("edXML")
ENVELOPE = q("edXMLEnvelope")
HEADER = q("edXMLHeader")
BODY = q("edXMLBody")
MANIFEST = q("edXMLManifest")
MESSAGE_HEADER = q("MessageHeader")
STATUS = q("Status")
STATUS_CODE = q("StatusCode")
ATTACHMENT_ENCODED = q("AttachmentEncoded")
ATTACHMENT = q("Attachment")
CONTENT_TRANSFER_ENCODED = q("ContentTransferEncoded")
TRACE_HEADER_LIST = q("TraceHeaderList")
TRACE_HEADER = q("TraceHeader")
RESPONSE_FOR = q("ResponseFor")
ORGAN_ID = q("OrganId")
SIGNATURE = "{" + DSIG_NAMESPACE + "}Signature"
LEGACY_SIGNATURE = q("Signature")
_DSIG = "{" + DSIG_NAMESPACE + "}"
_NO_ORGAN = frozenset({"", "null"})


def local_name(tag: str) -> str:
    """``Foo`` for ``{any namespace}Foo`` or ``Foo``."""
    return tag.rsplit("}", 1)[-1]


@dataclass
class Normalisation:
    """What :func:`normalise` found and changed: the message kind (None when the
    header is not recognisable) and elements renamed, by their original name."""

    kind: str | None = None
    renamed: dict[etree._Element, str] = field(default_factory=dict)
    legacy_signatures: int = 0
    dropped: list[str] = field(default_factory=list)
    """What was dropped, one phrase each (``empty ResponseFor``, ...)."""

    def original_name(self, el: etree._Element) -> str | None:
        return self.renamed.get(el)


def normalise(root: etree._Element) -> Normalisation:
    """Rewrite accepted variants in place (see module doc). Canonical input costs
    a handful of tag comparisons."""
    norm = Normalisation()
    if root.tag.startswith(_LEGACY):
        for el in root.iter(etree.Element):
            if el.tag.startswith(_LEGACY):
                el.tag = _NS + el.tag[len(_LEGACY) :]
    header = None
    for child in root:
        tag = child.tag
        if tag == ENVELOPE:
            header = _child(child, HEADER)
        elif (
            isinstance(tag, str)
            and tag != ATTACHMENT_ENCODED
            and local_name(tag) == ("AttachmentEncoded")
        ):
            _namespace_attachments(child)
    if header is not None:
        for child in list(header):
            tag = child.tag
            if tag == STATUS:
                norm.kind = "status"
            elif tag == MESSAGE_HEADER:
                if _child(child, STATUS_CODE) is None:
                    norm.kind = "document"
                else:
                    child.tag = STATUS
                    norm.renamed[child] = "MessageHeader"
                    norm.kind = "status"
            elif tag == TRACE_HEADER_LIST:
                _drop_anonymous_traces(child, norm)
                continue
            elif tag == LEGACY_SIGNATURE:
                _as_xmldsig(child)
                norm.legacy_signatures += 1
                continue
            else:
                continue
            _drop_empty_response_for(child, norm)
    return norm


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str)]


def _text(el: etree._Element) -> str:
    return "".join(t for t in el.itertext() if isinstance(t, str))


def _blank(el: etree._Element) -> bool:
    return not _text(el).strip()


def _drop_empty_response_for(header: etree._Element, norm: Normalisation) -> None:
    for rf in list(header.iterchildren(RESPONSE_FOR)):
        if all(_blank(c) for c in _elements(rf)):
            _remove(rf)
            norm.dropped.append("an empty ResponseFor")


def _drop_anonymous_traces(traces: etree._Element, norm: Normalisation) -> None:
    for trace in list(traces.iterchildren(TRACE_HEADER)):
        organ = _child(trace, ORGAN_ID)
        if organ is None or _text(organ).strip().lower() in _NO_ORGAN:
            _remove(trace)
            norm.dropped.append("a TraceHeader naming no organ")


def _remove(el: etree._Element) -> None:
    parent = el.getparent()
    assert parent is not None
    parent.remove(el)


def _as_xmldsig(signature: etree._Element) -> None:
    for el in signature.iter(etree.Element):
        if el.tag.startswith(_NS):
            el.tag = _DSIG + el.tag[NS_PREFIX_LEN:]


def _child(parent: etree._Element, tag: str) -> etree._Element | None:
    return next(parent.iterchildren(tag), None)


def _namespace_attachments(encoded: etree._Element) -> None:
    for el in encoded.iter(etree.Element):
        tag = el.tag
        if tag[0] != "{":
            el.tag = _NS + tag
        elif tag.startswith(_LEGACY):
            el.tag = _NS + tag[len(_LEGACY) :]
