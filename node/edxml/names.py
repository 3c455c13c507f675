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
  what the file really says.
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
SIGNATURE = "{" + DSIG_NAMESPACE + "}Signature"


def local_name(tag: str) -> str:
    """``Foo`` for ``{any namespace}Foo`` or ``Foo``."""
    return tag.rsplit("}", 1)[-1]


def canonical_tag(tag: str) -> str:
    """Map a tag of an accepted variant namespace onto the current namespace."""
    if tag.startswith(_LEGACY):
        return _NS + tag[len(_LEGACY) :]
    return tag


@dataclass
class Normalisation:
    """What :func:`normalise` found and changed: the message kind (None when the
    header is not recognisable) and elements renamed, by their original name."""

    kind: str | None = None
    renamed: dict[etree._Element, str] = field(default_factory=dict)

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
        for child in header:
            if child.tag == STATUS:
                norm.kind = "status"
            elif child.tag == MESSAGE_HEADER:
                if _child(child, STATUS_CODE) is None:
                    norm.kind = "document"
                else:
                    child.tag = STATUS
                    norm.renamed[child] = "MessageHeader"
                    norm.kind = "status"
    return norm


def _child(parent: etree._Element, tag: str) -> etree._Element | None:
    return next(parent.iterchildren(tag), None)


def _namespace_attachments(encoded: etree._Element) -> None:
    for el in encoded.iter(etree.Element):
        tag = el.tag
        if tag[0] != "{":
            el.tag = _NS + tag
        elif tag.startswith(_LEGACY):
            el.tag = _NS + tag[len(_LEGACY) :]
