""":class:`node.model.Envelope` → canonical edXML bytes.

Canonical means: UTF-8, the current namespace declared as the default on the
root and again with the prefix ``edXML`` on the envelope (as real files do), the
element order of the shared samples, two-space indentation, text in Unicode NFC,
``MessageHeader`` as the wrapper of status messages too (as every real file and
the national edXML library's ``StatusXmlParser`` have it: that parser reads the
header's ``MessageHeader`` child only, and a ``Status`` wrapper reads as all
null there), ``Bussiness`` (sic), timestamps in Vietnam time.
``build(parse(build(e))) == build(e)`` for every envelope.

Signatures are never emitted: a signer adds them to the built bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import pybase64
from lxml import etree

from node.edxml.names import q
from node.edxml.values import format_date, format_timestamp
from node.model import (
    NAMESPACE,
    Attachment,
    Business,
    Envelope,
    MessageHeader,
    Organ,
    OtherInfo,
    Receiver,
    Reference,
    ResponseFor,
    StaffInfo,
    Status,
    TraceHeader,
)

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_PREFIXED = {"edXML": NAMESPACE}


def build(env: Envelope) -> bytes:
    """Serialise an envelope. Raises ValueError for text XML cannot carry
    (control characters) and for attachments without content."""
    root = etree.Element(q("edXML"), nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    envelope = etree.SubElement(root, q("edXMLEnvelope"), nsmap=_PREFIXED)
    header = _sub(envelope, "edXMLHeader")
    if isinstance(env.header, Status):
        _status(header, env.header)
    else:
        _message_header(header, env.header)
    if env.traces or env.business is not None:
        _trace_list(_sub(header, "TraceHeaderList"), env.traces, env.business)
    if isinstance(env.header, MessageHeader) or env.references:
        manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest")
        manifest.set("version", "1.0")
        for ref in env.references:
            _reference(_sub(manifest, "Reference"), ref)
    if env.attachments:
        encoded = etree.SubElement(root, q("AttachmentEncoded"))
        for att in env.attachments:
            _attachment(etree.SubElement(encoded, q("Attachment")), att)
    etree.indent(root, space="  ")
    return DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False) + b"\n"


def _sub(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, q(name))


def _text(parent: etree._Element, name: str, value: str | int | None) -> None:
    if value is None:
        return
    text = value if isinstance(value, str) else str(value)
    el = _sub(parent, name)
    try:
        el.text = unicodedata.normalize("NFC", text)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _organ(parent: etree._Element, name: str, organ: Organ) -> None:
    el = _sub(parent, name)
    _text(el, "OrganId", organ.organ_id)
    _text(el, "OrganizationInCharge", organ.organization_in_charge)
    _text(el, "OrganName", organ.organ_name)
    _text(el, "OrganAdd", organ.organ_add)
    _text(el, "Email", organ.email)
    _text(el, "Telephone", organ.telephone)
    _text(el, "Fax", organ.fax)
    _text(el, "Website", organ.website)


def _response_for(parent: etree._Element, rf: ResponseFor) -> None:
    el = _sub(parent, "ResponseFor")
    _text(el, "OrganId", rf.organ_id)
    _text(el, "Code", rf.code)
    if rf.promulgation_date is not None:
        _text(el, "PromulgationDate", format_date(rf.promulgation_date))
    _text(el, "DocumentId", rf.document_id)


def _staff(parent: etree._Element, staff: StaffInfo | None) -> None:
    if staff is None:
        return
    el = _sub(parent, "StaffInfo")
    _text(el, "Department", staff.department)
    _text(el, "Staff", staff.staff)
    _text(el, "Email", staff.email)
    _text(el, "Mobile", staff.mobile)


def _message_header(parent: etree._Element, h: MessageHeader) -> None:
    el = _sub(parent, "MessageHeader")
    _organ(el, "From", h.from_)
    for organ in h.to:
        _organ(el, "To", organ)
    _text(el, "DocumentId", h.document_id)
    code = _sub(el, "Code")
    _text(code, "CodeNumber", h.code.code_number)
    _text(code, "CodeNotation", h.code.code_notation)
    prom = _sub(el, "PromulgationInfo")
    _text(prom, "Place", h.promulgation_info.place)
    _text(prom, "PromulgationDate", format_date(h.promulgation_info.promulgation_date))
    dtype = _sub(el, "DocumentType")
    _text(dtype, "Type", h.document_type.type)
    _text(dtype, "TypeDetail", h.document_type.type_detail)
    _text(dtype, "TypeName", h.document_type.type_name)
    _text(el, "Subject", h.subject)
    _text(el, "Content", h.content)
    if h.signer_info is not None:
        signer = _sub(el, "SignerInfo")
        _text(signer, "Competence", h.signer_info.competence)
        _text(signer, "Position", h.signer_info.position)
        _text(signer, "FullName", h.signer_info.full_name)
    if h.due_date is not None:
        _text(el, "DueDate", format_date(h.due_date))
    _other_info(_sub(el, "OtherInfo"), h.other_info)
    for rf in h.response_for:
        _response_for(el, rf)
    _text(el, "SteeringType", h.steering_type)
    if h.to_places:
        _texts(_sub(el, "ToPlaces"), "Place", h.to_places)


def _texts(parent: etree._Element, name: str, values: Iterable[str]) -> None:
    for value in values:
        _text(parent, name, value)


def _other_info(el: etree._Element, info: OtherInfo) -> None:
    _text(el, "Priority", info.priority)
    _text(el, "SphereOfPromulgation", info.sphere_of_promulgation)
    _text(el, "TyperNotation", info.typer_notation)
    _text(el, "PromulgationAmount", info.promulgation_amount)
    _text(el, "PageAmount", info.page_amount)
    if info.direction is not None:
        _text(el, "Direction", "true" if info.direction else "false")
    if info.appendixes:
        _texts(_sub(el, "Appendixes"), "Appendix", info.appendixes)


def _status(parent: etree._Element, s: Status) -> None:
    el = _sub(parent, "MessageHeader")  # a status: a MessageHeader holding StatusCode
    _organ(el, "From", s.from_)
    _response_for(el, s.response_for)
    _staff(el, s.staff_info)
    _text(el, "StatusCode", s.status_code.value)
    _text(el, "Description", s.description)
    _text(el, "Timestamp", format_timestamp(s.timestamp))


def _trace_list(
    el: etree._Element, traces: tuple[TraceHeader, ...], business: Business | None
) -> None:
    for trace in traces:
        th = _sub(el, "TraceHeader")
        _text(th, "OrganId", trace.organ_id)
        _text(th, "Timestamp", format_timestamp(trace.timestamp))
    if business is not None:
        _business(_sub(el, "Bussiness"), business)


def _business(el: etree._Element, b: Business) -> None:
    _text(el, "DocumentId", b.document_id)
    _text(el, "BussinessDocType", int(b.doc_type))
    _text(el, "BussinessDocReason", b.reason)
    _text(el, "Paper", b.paper)
    _staff(el, b.staff_info)
    if b.document_info is not None:
        info = _sub(el, "BussinessDocumentInfo")
        _text(info, "DocumentInfo", "1" if b.document_info.document_info else "0")
        _text(info, "DocumentReceiver", "1" if b.document_info.document_receiver else "0")
        if b.document_info.receivers:
            _receivers(_sub(info, "ReceiverList"), b.document_info.receivers)
    if b.replacements:
        replacements = _sub(el, "ReplacementInfoList")
        for r in b.replacements:
            info = _sub(replacements, "ReplacementInfo")
            _text(info, "DocumentId", r.document_id)
            _texts(_sub(info, "OrganIdList"), "OrganId", r.organ_ids)


def _receivers(el: etree._Element, receivers: tuple[Receiver, ...]) -> None:
    for r in receivers:
        receiver = _sub(el, "Receiver")
        _text(receiver, "OrganId", r.organ_id)
        _text(receiver, "ReceiverType", r.receiver_type)


def _reference(el: etree._Element, ref: Reference) -> None:
    _text(el, "ContentId", ref.content_id)
    _text(el, "ContentType", ref.content_type)
    _text(el, "Description", ref.description)
    _text(el, "AttachmentName", ref.attachment_name)


def _attachment(el: etree._Element, att: Attachment) -> None:
    if att.content is None:
        raise ValueError(f"attachment {att.content_id!r} has no content to encode")
    _text(el, "ContentId", att.content_id)
    _text(el, "AttachmentName", att.attachment_name)
    _text(el, "Description", att.description)
    _text(el, "ContentType", att.content_type)
    encoded = etree.SubElement(el, q("ContentTransferEncoded"), nsmap=_PREFIXED)
    encoded.text = pybase64.b64encode(att.content).decode("ascii")
