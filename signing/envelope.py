"""Where signatures and attachments sit in an edXML tree (domain §1, §5).

Namespace-agnostic where real files vary (the attachment block is often
unprefixed, old files use another namespace), exact where security needs it
(the signature's own namespace, the header's position under the root).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from node.model import DSIG_NAMESPACE, LEGACY_NAMESPACE, NAMESPACE, VN_TZ

DS = DSIG_NAMESPACE
SIGNATURE_TAG = f"{{{DS}}}Signature"
EDXML_NAMESPACES = frozenset({NAMESPACE, LEGACY_NAMESPACE})


def local_name(el: etree._Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""  # comments, processing instructions
    return tag.rsplit("}", 1)[-1]


@functools.cache
def _edxml_tags(name: str) -> frozenset[str]:
    return frozenset(f"{{{ns}}}{name}" for ns in EDXML_NAMESPACES)


def _edxml_child(parent: etree._Element, name: str) -> etree._Element | None:
    tags = _edxml_tags(name)
    for child in parent:
        if child.tag in tags:  # comments and PIs have non-str tags: never in the set
            return child
    return None


def find_header(root: etree._Element) -> etree._Element | None:
    """``edXML/edXMLEnvelope/edXMLHeader`` in an accepted namespace, or None."""
    if root.tag not in _edxml_tags("edXML"):
        return None
    envelope = _edxml_child(root, "edXMLEnvelope")
    return None if envelope is None else _edxml_child(envelope, "edXMLHeader")


def header_signatures(root: etree._Element) -> list[etree._Element]:
    """The enveloped signatures: ``ds:Signature`` children of edXMLHeader, in order."""
    header = find_header(root)
    if header is None:
        return []
    return [child for child in header if child.tag == SIGNATURE_TAG]


def stray_signatures(root: etree._Element) -> list[etree._Element]:
    """Every ``ds:Signature`` (or legacy edXML-namespace ``Signature``) that is
    not a direct child of edXMLHeader."""
    header = find_header(root)
    tags = {SIGNATURE_TAG, *_edxml_tags("Signature")}
    return [sig for sig in root.iter(*tags) if sig.getparent() is not header]


def legacy_signatures(root: etree._Element) -> list[etree._Element]:
    """``Signature`` children of edXMLHeader in the edXML namespace: real national
    files carry the XML-DSig signature unprefixed under the root's default
    namespace, so it lands in the edXML namespace instead of XML-DSig's."""
    header = find_header(root)
    if header is None:
        return []
    tags = _edxml_tags("Signature")
    return [child for child in header if child.tag in tags]


def as_xmldsig(signature: etree._Element) -> None:
    """Move a legacy signature's elements (in place) into the XML-DSig namespace."""
    for el in signature.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            namespace, _, local = el.tag[1:].partition("}")
            if namespace in EDXML_NAMESPACES:
                el.tag = f"{{{DS}}}{local}"


def sender_of(root: etree._Element) -> str | None:
    """``From/OrganId`` of the message header (MessageHeader or Status), or None."""
    header = find_header(root)
    if header is None:
        return None
    for child in header:
        if local_name(child) in ("MessageHeader", "Status") and child.tag in (
            *_edxml_tags("MessageHeader"),
            *_edxml_tags("Status"),
        ):
            for part in child:
                if part.tag in _edxml_tags("From"):
                    organ = _edxml_child(part, "OrganId")
                    return (organ.text or "").strip() if organ is not None else None
            return None
    return None


def element_path(el: etree._Element) -> str:
    """``/edXML/AttachmentEncoded/Signature`` style path for messages."""
    parts = []
    node: etree._Element | None = el
    while node is not None:
        parts.append(local_name(node))
        node = node.getparent()
    return "/" + "/".join(reversed(parts))


def remove_keeping_tail(el: etree._Element) -> None:
    """Detach ``el``, keeping the text that follows it (as the enveloped transform does)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


@dataclass(frozen=True)
class AttachmentRef:
    """One ``AttachmentEncoded/Attachment`` of a (verified) tree."""

    name: str
    content_id: str | None
    content_type: str | None
    element: etree._Element = field(repr=False, compare=False)

    @property
    def is_pdf(self) -> bool:
        content_type = (self.content_type or "").split(";")[0].strip().lower()
        return content_type == "application/pdf" or self.name.lower().endswith(".pdf")

    def encoded(self) -> str:
        """The base64 payload. Read only when needed: it can be hundreds of MB."""
        for child in self.element:
            if local_name(child) == "ContentTransferEncoded":
                return child.text or ""
        return ""


def _child_text(el: etree._Element, name: str) -> str | None:
    for child in el:
        if local_name(child) == name:
            return (child.text or "").strip()
    return None


_ATTACHMENT_FIELDS = frozenset({"AttachmentName", "ContentId", "ContentType"})


def attachments(root: etree._Element) -> Iterator[AttachmentRef]:
    """Attachments of ``root``, namespace-agnostic (the block is often unprefixed)."""
    for block in root:
        if local_name(block) != "AttachmentEncoded":
            continue
        for index, att in enumerate(block, start=1):
            if local_name(att) != "Attachment":
                continue
            texts: dict[str, str] = {}  # the first of each name, read in one pass
            for child in att:
                name = local_name(child)
                if name in _ATTACHMENT_FIELDS and name not in texts:
                    texts[name] = (child.text or "").strip()
            yield AttachmentRef(
                name=texts.get("AttachmentName") or f"attachment {index}",
                content_id=texts.get("ContentId"),
                content_type=texts.get("ContentType"),
                element=att,
            )


def claimed_signing_time(root: etree._Element, organ_id: str | None) -> datetime | None:
    """The latest ``TraceHeader/Timestamp`` written by ``organ_id`` (Vietnam time)."""
    header = find_header(root)
    if header is None or organ_id is None:
        return None
    latest: datetime | None = None
    for trace_list in header:
        if local_name(trace_list) != "TraceHeaderList":
            continue
        for trace in trace_list:
            if local_name(trace) != "TraceHeader":
                continue
            stamp = _trace_stamp(trace, organ_id)
            if stamp is not None and (latest is None or stamp > latest):
                latest = stamp
    return latest


def _trace_stamp(trace: etree._Element, organ_id: str) -> datetime | None:
    """The timestamp of ``trace`` when ``organ_id`` wrote it."""
    if _child_text(trace, "OrganId") != organ_id:
        return None
    return _parse_timestamp(_child_text(trace, "Timestamp"))


_TIMESTAMP = re.compile(
    r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2}) ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})"
)


def _parse_timestamp(text: str | None) -> datetime | None:
    """``yyyy/MM/dd HH:mm:ss`` (Vietnam time), or None (strptime is ten times slower)."""
    match = _TIMESTAMP.fullmatch(text or "")
    if match is None:
        return None
    try:
        y, mo, d, h, mi, sec = (int(part) for part in match.groups())
        return datetime(y, mo, d, h, mi, sec, tzinfo=VN_TZ)
    except ValueError:
        return None
