"""The VDXP answers that succeed (adapters.http.vdxp), as dataclasses like every
other body (:mod:`adapters.http.models`). Field names are the SDK's, letter for
letter: it reads each with ``getAsString`` and drops an answer missing one.
Refusals are an open dict (problem details beside the VDXP fields) built by
the ``vdxp_answers`` middleware, described by hand as ``VdxpAnswer``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from node.model import MessageKind
from node.ports.api import InboxItem, MessageSummary

# The SDK's names are camelCase (and sometimes not): N815 is not selected, so
# they are written as the SDK spells them.


@dataclass(frozen=True, kw_only=True)
class VdxpOk:
    status: Literal["OK"] = "OK"
    ErrorCode: Literal["0"] = "0"
    ErrorDesc: Literal[""] = ""


@dataclass(frozen=True, kw_only=True)
class VdxpSent(VdxpOk):
    """sendEdoc: the SDK reads DocId."""

    DocId: str
    document_id: str
    state: str


@dataclass(frozen=True, kw_only=True)
class VdxpUpdated(VdxpOk):
    docId: str


@dataclass(frozen=True, kw_only=True)
class VdxpCount(VdxpOk):
    count: int


@dataclass(frozen=True)
class Received:
    """One message of getReceivedEdocList."""

    docId: str
    from_: str = field(metadata={"json": "from"})
    to: str
    messagetype: Literal["edoc", "status"]
    messageType: Literal["edoc", "status"]
    serviceType: Literal["eDoc"]
    updated_time: datetime
    document_id: str
    status: str | None
    """The status code of a status message, "initial" for a document."""
    status_desc: str
    created_time: datetime

    @classmethod
    def of(cls, item: InboxItem) -> Received:
        """``to`` is the organ the message is listed for (a connected system may
        speak for several)."""
        is_status = item.kind is MessageKind.STATUS
        kind: Literal["edoc", "status"] = "status" if is_status else "edoc"
        return cls(
            docId=item.id,
            from_=item.from_,
            to=item.organ,
            messagetype=kind,
            messageType=kind,
            serviceType="eDoc",
            updated_time=item.received_at,
            document_id=item.document_id,
            status=item.status_code if is_status else "initial",
            status_desc=(
                f"status {item.status_code} for {item.document_id}"
                if is_status
                else "received, not yet acknowledged"
            ),
            created_time=item.received_at,
        )


@dataclass(frozen=True)
class SentDocument:
    """One document of getSentEdocList (its state on this node)."""

    docId: str
    senderDocId: str
    receiverDocId: str
    fromCode: str
    toCode: str
    serviceType: Literal["eDoc"]
    messageType: Literal["edoc"]
    title: str
    notation: str
    sendStatus: str
    sendStatusDesc: str
    receiveStatus: str
    receiveStatusDesc: str
    sentTime: datetime
    receivedTime: datetime
    from_: str = field(metadata={"json": "from"})
    to: tuple[str, ...]
    document_id: str
    status: str
    status_desc: str
    created_time: datetime

    @classmethod
    def of(cls, s: MessageSummary) -> SentDocument:
        desc = f"delivery state on this node: {s.state}"
        return cls(
            docId=s.id,
            senderDocId=s.id,
            receiverDocId=s.id,
            fromCode=s.sender,
            toCode=",".join(s.recipients),
            serviceType="eDoc",
            messageType="edoc",
            title=s.document_id,
            notation=s.document_id,
            sendStatus=s.state,
            sendStatusDesc=desc,
            receiveStatus=s.state,
            receiveStatusDesc=desc,
            sentTime=s.received_at,
            receivedTime=s.received_at,
            from_=s.sender,
            to=s.recipients,
            document_id=s.document_id,
            status=s.state,
            status_desc=desc,
            created_time=s.received_at,
        )


@dataclass(frozen=True)
class Agency:
    """One organ of the agency directory (getAgenciesList and its kin)."""

    id: str
    code: str
    code102: str
    name: str
    pid: str
    oldCode: str
    mail: str
    version: int
    centerCode: str
    deleted: bool
    modifyDate: str
    isAgency: bool

    @classmethod
    def of(cls, organ: str, system_id: str) -> Agency:
        return cls(organ, organ, organ, organ, "", "", "", 1, system_id, False, "", True)


@dataclass(frozen=True, kw_only=True)
class VdxpReceivedList(VdxpOk):
    data: tuple[Received, ...]


@dataclass(frozen=True, kw_only=True)
class VdxpSentList(VdxpOk):
    data: tuple[SentDocument, ...]


@dataclass(frozen=True, kw_only=True)
class VdxpAgencyList(VdxpOk):
    data: tuple[Agency, ...]
