"""The edXML domain model (domain §1–4): frozen dataclasses, no XML in here.

``node.validation.parse`` turns validated bytes into these; ``node.edxml.build``
turns them back into canonical edXML bytes (build → parse → build is
identical). Dates are ``datetime.date``; timestamps are aware ``datetime`` in
Vietnam time (UTC+07:00) as the SPEC formats them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "ICT")
"""Vietnam time: every edXML timestamp is local time in this zone."""

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
"""The namespace lienthong emits."""

LEGACY_NAMESPACE = "http://www.e-doc.vn/Schema/"
"""Older files use this one; accepted on input, never emitted."""

DSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"


class MessageKind(enum.StrEnum):
    DOCUMENT = "document"
    STATUS = "status"


class StatusCode(enum.StrEnum):
    """Status codes of QĐ 28/2018 (domain §3)."""

    ARRIVED = "01"
    REFUSED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    IN_PROGRESS = "05"
    DONE = "06"
    RECALL_REQUESTED = "13"
    RECALLED = "15"
    RECALL_REFUSED = "16"


class BusinessDocType(enum.IntEnum):
    NEW = 0
    RECALL = 1
    UPDATE = 2
    REPLACEMENT = 3


@dataclass(frozen=True)
class Organ:
    """An organ block (From / To): OrganId is required, the rest optional."""

    organ_id: str
    organization_in_charge: str | None = None
    organ_name: str | None = None
    organ_add: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class Code:
    code_number: str
    code_notation: str

    def __str__(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


@dataclass(frozen=True)
class PromulgationInfo:
    place: str | None
    promulgation_date: date


@dataclass(frozen=True)
class DocumentType:
    type: int
    type_detail: int | None = None
    type_name: str | None = None


@dataclass(frozen=True)
class SignerInfo:
    competence: str | None = None
    position: str | None = None
    full_name: str | None = None


@dataclass(frozen=True)
class ResponseFor:
    """The document a status or an answering document refers to."""

    organ_id: str
    code: str
    promulgation_date: date | None
    document_id: str


@dataclass(frozen=True)
class OtherInfo:
    priority: int = 0
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageHeader:
    """Header of an official document (văn bản)."""

    from_: Organ
    to: tuple[Organ, ...]
    document_id: str
    code: Code
    promulgation_info: PromulgationInfo
    document_type: DocumentType
    subject: str
    content: str | None = None
    signer_info: SignerInfo | None = None
    due_date: date | None = None
    other_info: OtherInfo = field(default_factory=OtherInfo)
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int | None = None
    to_places: tuple[str, ...] = ()

    @property
    def priority(self) -> int:
        return self.other_info.priority


@dataclass(frozen=True)
class StaffInfo:
    department: str | None = None
    staff: str | None = None
    email: str | None = None
    mobile: str | None = None


@dataclass(frozen=True)
class Status:
    """Header of a status message (phản hồi trạng thái, domain §3)."""

    from_: Organ
    response_for: ResponseFor
    status_code: StatusCode
    timestamp: datetime
    staff_info: StaffInfo | None = None
    description: str | None = None


@dataclass(frozen=True)
class TraceHeader:
    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Receiver:
    organ_id: str
    receiver_type: int


@dataclass(frozen=True)
class ReplacementInfo:
    document_id: str
    organ_ids: tuple[str, ...]


@dataclass(frozen=True)
class BusinessDocumentInfo:
    document_info: bool
    document_receiver: bool
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True)
class Business:
    """``TraceHeaderList/Bussiness`` (sic): new, recall, update or replacement flow."""

    document_id: str | None
    doc_type: BusinessDocType
    reason: str | None = None
    paper: int | None = None
    staff_info: StaffInfo | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: tuple[ReplacementInfo, ...] = ()


@dataclass(frozen=True)
class Reference:
    """A manifest entry in ``edXMLBody/edXMLManifest``."""

    content_id: str
    content_type: str
    description: str | None = None
    attachment_name: str | None = None


@dataclass(frozen=True)
class Attachment:
    """An attachment. ``content`` is the decoded file, or None when the parser
    was asked to leave large contents on disk (then ``size`` and ``sha256``
    still describe it)."""

    content_id: str
    attachment_name: str | None
    content_type: str
    description: str | None = None
    content: bytes | None = None
    size: int | None = None
    sha256: str | None = None

    @property
    def is_pdf(self) -> bool:
        name = (self.attachment_name or "").lower()
        return self.content_type.lower() == "application/pdf" or name.endswith(".pdf")


@dataclass(frozen=True)
class Envelope:
    """A whole edXML message: a document (``header`` is MessageHeader) or a
    status (``header`` is Status)."""

    header: MessageHeader | Status
    traces: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    references: tuple[Reference, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    signature_count: int = 0

    @property
    def kind(self) -> MessageKind:
        return MessageKind.STATUS if isinstance(self.header, Status) else MessageKind.DOCUMENT

    @property
    def sender(self) -> str:
        """OrganId of the organ that sent this message."""
        return self.header.from_.organ_id

    @property
    def document_id(self) -> str:
        """The document this message is, or (for a status) is about."""
        if isinstance(self.header, Status):
            return self.header.response_for.document_id
        return self.header.document_id

    @property
    def recipients(self) -> tuple[str, ...]:
        """OrganIds this message must reach: every ``To`` of a document; the
        ``ResponseFor/OrganId`` of a status (domain §3)."""
        if isinstance(self.header, Status):
            return (self.header.response_for.organ_id,)
        return tuple(dict.fromkeys(o.organ_id for o in self.header.to))

    @property
    def priority(self) -> int:
        return 0 if isinstance(self.header, Status) else self.header.priority
