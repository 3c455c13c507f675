"""Tree → :class:`node.model.Envelope` in one pass, noting what the rules need.

The tree must be normalised (:func:`node.edxml.names.normalise`) and valid
against ``edxml.xsd``: the reader relies on the structure (required children
exist, integers parse). Values the XSD cannot judge (calendar dates, known
status codes, base64 contents) are checked as they are read; a value that
cannot be represented is recorded in :attr:`Reader.problems` and replaced by a
placeholder, and the caller must then discard the Envelope. The elements the
cross-field rules look at (DocumentId, To, Priority, manifest and attachments)
are recorded in :class:`Facts` so :mod:`node.validation.rules` needs no second
walk. Attachment contents come from a callback: the fast path decodes the text
it has, the streaming path hands over what it computed on the fly.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from lxml import etree

from node.edxml import names
from node.edxml.base64content import DecodedContent
from node.edxml.values import (
    date_problem,
    parse_boolean,
    parse_date,
    parse_integer,
    parse_timestamp,
    timestamp_problem,
)
from node.model import (
    VN_TZ,
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentType,
    Envelope,
    MessageHeader,
    Organ,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    Reference,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    Status,
    StatusCode,
    TraceHeader,
)

ContentSource = Callable[[etree._Element], DecodedContent]
_Kids = dict[str, etree._Element]

_NSLEN = names.NS_PREFIX_LEN
_PLACEHOLDER_DATE = date(1, 1, 1)
_PLACEHOLDER_TIME = datetime(1, 1, 1, tzinfo=VN_TZ)
_STATUS_CODES = StatusCode._value2member_map_
_DOC_TYPES = BusinessDocType._value2member_map_

_ORGAN_FIELDS = {
    "OrganId": "organ_id",
    "OrganizationInCharge": "organization_in_charge",
    "OrganName": "organ_name",
    "OrganAdd": "organ_add",
    "Email": "email",
    "Telephone": "telephone",
    "Fax": "fax",
    "Website": "website",
}
_STAFF_FIELDS = {"Department": "department", "Staff": "staff", "Email": "email", "Mobile": "mobile"}
_SIGNER_FIELDS = {"Competence": "competence", "Position": "position", "FullName": "full_name"}


def text_of(el: etree._Element) -> str:
    """The character content of a simple element (comments inside do not cut it)."""
    text = el.text or ""
    if len(el):
        text += "".join(child.tail or "" for child in el)
    return text


def _s(el: etree._Element) -> str:
    text = el.text
    if text is None:
        return ""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _kids(el: etree._Element) -> _Kids:
    return {c.tag[_NSLEN:]: c for c in el}


def _fields(el: etree._Element, mapping: dict[str, str]) -> dict[str, str]:
    return {mapping[c.tag[_NSLEN:]]: _s(c) for c in el}


def _opt(kids: _Kids, name: str) -> str | None:
    el = kids.get(name)
    return None if el is None else _s(el)


def _opt_int(kids: _Kids, name: str) -> int | None:
    el = kids.get(name)
    return None if el is None else parse_integer(text_of(el))


@dataclass
class Facts:
    """Elements the cross-field rules (node.validation.rules) examine."""

    header: etree._Element | None = None
    recipients: int = 0
    sender: str = ""
    document_ids: list[etree._Element] = field(default_factory=list)
    priority: etree._Element | None = None
    response_for: etree._Element | None = None
    status_document_id: etree._Element | None = None
    references: list[tuple[str, etree._Element]] = field(default_factory=list)
    attachments: list[tuple[str, etree._Element]] = field(default_factory=list)


class Reader:
    def __init__(self, content_of: ContentSource) -> None:
        self._content_of = content_of
        self.problems: list[tuple[etree._Element, str]] = []
        self.facts = Facts()

    # ------------------------------------------------------------------ values

    def _date(self, el: etree._Element) -> date:
        text = text_of(el).strip()
        try:
            return parse_date(text)
        except ValueError:
            self.problems.append((el, date_problem(text) or f"{text!r} is not a date"))
            return _PLACEHOLDER_DATE

    def _timestamp(self, el: etree._Element) -> datetime:
        text = text_of(el).strip()
        try:
            return parse_timestamp(text)
        except ValueError:
            self.problems.append((el, timestamp_problem(text) or f"{text!r} is not a timestamp"))
            return _PLACEHOLDER_TIME

    # ------------------------------------------------------------------ envelope

    def read(self, root: etree._Element) -> Envelope:
        envelope = root.find(names.ENVELOPE)
        assert envelope is not None
        header: MessageHeader | Status | None = None
        traces: tuple[TraceHeader, ...] = ()
        business: Business | None = None
        signatures = 0
        references: tuple[Reference, ...] = ()
        for part in envelope:
            if part.tag == names.HEADER:
                for child in part:
                    tag = child.tag
                    if tag == names.MESSAGE_HEADER:
                        header = self._message_header(child)
                    elif tag == names.STATUS:
                        header = self._status(child)
                    elif tag == names.TRACE_HEADER_LIST:
                        traces, business = self._trace_list(child)
                    elif tag == names.SIGNATURE:
                        signatures += 1
            elif part.tag == names.BODY:
                references = self._manifest(part)
        assert header is not None
        attachments: tuple[Attachment, ...] = ()
        for part in root:
            if part.tag == names.ATTACHMENT_ENCODED:
                attachments = tuple(self._attachment(a) for a in part)
        return Envelope(
            header=header,
            traces=traces,
            business=business,
            references=references,
            attachments=attachments,
            signature_count=signatures,
        )

    def _organ(self, el: etree._Element) -> Organ:
        kw = _fields(el, _ORGAN_FIELDS)
        kw["organ_id"] = kw["organ_id"].strip()
        return Organ(**kw)

    def _response_for(self, el: etree._Element) -> ResponseFor:
        k = _kids(el)
        day = k.get("PromulgationDate")
        return ResponseFor(
            organ_id=_s(k["OrganId"]).strip(),
            code=_s(k["Code"]).strip(),
            promulgation_date=None if day is None else self._date(day),
            document_id=_s(k["DocumentId"]).strip(),
        )

    def _message_header(self, el: etree._Element) -> MessageHeader:
        facts = self.facts
        facts.header = el
        to: list[Organ] = []
        responses: list[ResponseFor] = []
        k: _Kids = {}
        for child in el:
            name = child.tag[_NSLEN:]
            if name == "To":
                to.append(self._organ(child))
            elif name == "ResponseFor":
                responses.append(self._response_for(child))
            elif name == "DocumentId":
                facts.document_ids.append(child)
            else:
                k[name] = child
        facts.recipients = len(to)
        sender = self._organ(k["From"])
        facts.sender = sender.organ_id
        code = _kids(k["Code"])
        prom = _kids(k["PromulgationInfo"])
        dtype = _kids(k["DocumentType"])
        signer = k.get("SignerInfo")
        due = k.get("DueDate")
        steering = k.get("SteeringType")
        places = k.get("ToPlaces")
        other = k.get("OtherInfo")
        return MessageHeader(
            from_=sender,
            to=tuple(to),
            document_id=_s(facts.document_ids[0]).strip() if facts.document_ids else "",
            code=Code(
                code_number=_s(code["CodeNumber"]).strip(),
                code_notation=_s(code["CodeNotation"]).strip(),
            ),
            promulgation_info=PromulgationInfo(
                place=_opt(prom, "Place"), promulgation_date=self._date(prom["PromulgationDate"])
            ),
            document_type=DocumentType(
                type=parse_integer(text_of(dtype["Type"])),
                type_detail=_opt_int(dtype, "TypeDetail"),
                type_name=_opt(dtype, "TypeName"),
            ),
            subject=_s(k["Subject"]),
            content=_opt(k, "Content"),
            signer_info=None if signer is None else SignerInfo(**_fields(signer, _SIGNER_FIELDS)),
            due_date=None if due is None else self._date(due),
            other_info=OtherInfo() if other is None else self._other_info(other),
            response_for=tuple(responses),
            steering_type=None if steering is None else parse_integer(text_of(steering)),
            to_places=() if places is None else tuple(_s(p) for p in places),
        )

    def _other_info(self, el: etree._Element) -> OtherInfo:
        k = _kids(el)
        priority = k.get("Priority")
        self.facts.priority = priority
        direction = k.get("Direction")
        appendixes = k.get("Appendixes")
        return OtherInfo(
            priority=0 if priority is None else parse_integer(text_of(priority)),
            sphere_of_promulgation=_opt(k, "SphereOfPromulgation"),
            typer_notation=_opt(k, "TyperNotation"),
            promulgation_amount=_opt_int(k, "PromulgationAmount"),
            page_amount=_opt_int(k, "PageAmount"),
            direction=None if direction is None else parse_boolean(text_of(direction)),
            appendixes=() if appendixes is None else tuple(_s(a) for a in appendixes),
        )

    def _status(self, el: etree._Element) -> Status:
        self.facts.header = el
        k = _kids(el)
        code_el = k["StatusCode"]
        code = _s(code_el).strip()
        if code not in _STATUS_CODES:
            known = ", ".join(_STATUS_CODES)
            self.problems.append((code_el, f"unknown status code {code!r}; known codes: {known}"))
            code = StatusCode.ARRIVED.value
        response = k.get("ResponseFor")
        self.facts.response_for = response
        if response is None:
            response_for = ResponseFor("", "", None, "")
        else:
            response_for = self._response_for(response)
            self.facts.status_document_id = _kids(response)["DocumentId"]
        staff = k.get("StaffInfo")
        return Status(
            from_=self._organ(k["From"]),
            response_for=response_for,
            status_code=StatusCode(code),
            timestamp=self._timestamp(k["Timestamp"]),
            staff_info=None if staff is None else StaffInfo(**_fields(staff, _STAFF_FIELDS)),
            description=_opt(k, "Description"),
        )

    def _trace_list(self, el: etree._Element) -> tuple[tuple[TraceHeader, ...], Business | None]:
        traces: list[TraceHeader] = []
        business: Business | None = None
        for child in el:
            if child.tag[_NSLEN:] == "TraceHeader":
                k = _kids(child)
                traces.append(
                    TraceHeader(
                        organ_id=_s(k["OrganId"]).strip(),
                        timestamp=self._timestamp(k["Timestamp"]),
                    )
                )
            else:
                business = self._business(child)
        return tuple(traces), business

    def _business(self, el: etree._Element) -> Business:
        k = _kids(el)
        info = k.get("BussinessDocumentInfo")
        receivers = _receivers(k.get("ReceiverList"))
        document_info = None
        if info is not None:
            ik = _kids(info)
            document_info = BusinessDocumentInfo(
                document_info=parse_boolean(text_of(ik["DocumentInfo"])),
                document_receiver=parse_boolean(text_of(ik["DocumentReceiver"])),
                receivers=_receivers(ik.get("ReceiverList")) + receivers,
            )
        type_el = k["BussinessDocType"]
        doc_type = parse_integer(text_of(type_el))
        if doc_type not in _DOC_TYPES:
            self.problems.append(
                (
                    type_el,
                    f"BussinessDocType {doc_type} is unknown; use 0 (new), 1 (recall), "
                    "2 (update) or 3 (replacement)",
                )
            )
            doc_type = 0
        replacements = k.get("ReplacementInfoList")
        document_id = k.get("DocumentId")
        staff = k.get("StaffInfo")
        return Business(
            document_id=None if document_id is None else _s(document_id).strip(),
            doc_type=BusinessDocType(doc_type),
            reason=_opt(k, "BussinessDocReason"),
            paper=_opt_int(k, "Paper"),
            staff_info=None if staff is None else StaffInfo(**_fields(staff, _STAFF_FIELDS)),
            document_info=document_info,
            replacements=()
            if replacements is None
            else tuple(_replacement(r) for r in replacements),
        )

    def _manifest(self, body: etree._Element) -> tuple[Reference, ...]:
        out: list[Reference] = []
        for manifest in body:
            if manifest.tag != names.MANIFEST:
                continue
            for el in manifest:
                k = _kids(el)
                ref = Reference(
                    content_id=_s(k["ContentId"]).strip(),
                    content_type=_s(k["ContentType"]).strip(),
                    description=_opt(k, "Description"),
                    attachment_name=_opt(k, "AttachmentName"),
                )
                self.facts.references.append((ref.content_id, el))
                out.append(ref)
        return tuple(out)

    def _attachment(self, el: etree._Element) -> Attachment:
        k = _kids(el)
        content_el = k["ContentTransferEncoded"]
        decoded = self._content_of(content_el)
        if decoded.problem is not None:
            self.problems.append((content_el, decoded.problem))
        cid = _s(k["ContentId"]).strip()
        self.facts.attachments.append((cid, el))
        return Attachment(
            content_id=cid,
            attachment_name=_opt(k, "AttachmentName"),
            content_type=_s(k["ContentType"]).strip(),
            description=_opt(k, "Description"),
            content=decoded.content,
            size=decoded.size,
            sha256=decoded.sha256,
        )


def _receivers(el: etree._Element | None) -> tuple[Receiver, ...]:
    if el is None:
        return ()
    out = []
    for r in el:
        k = _kids(r)
        out.append(
            Receiver(
                organ_id=_s(k["OrganId"]).strip(),
                receiver_type=parse_integer(text_of(k["ReceiverType"])),
            )
        )
    return tuple(out)


def _replacement(el: etree._Element) -> ReplacementInfo:
    k = _kids(el)
    return ReplacementInfo(
        document_id=_s(k["DocumentId"]).strip(),
        organ_ids=tuple(_s(o).strip() for o in k["OrganIdList"]),
    )
