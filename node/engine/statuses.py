"""Status messages the node writes itself: the automatic 01 when a document
reaches a local inbox, the 02 when a peer's document fails verification, and
the failure notice when a delivery is dead-lettered. Each is a real edXML
status (``node.edxml.build``), signed for the reporting organ (or the node's
own organ), stored and routed back like any other status."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime

from node import edxml
from node.engine.budget import MemoryBudget
from node.engine.context import in_process, off_loop
from node.engine.idempotency import status_key
from node.engine.plan import Placement
from node.model import (
    VN_TZ,
    Envelope,
    MessageKind,
    Organ,
    ResponseFor,
    Status,
    StatusCode,
    TraceHeader,
)
from node.ports.driven import Clock, Direction, Hop, KeyRing
from node.store.records import NewMessage, NewStatusEntry, Source, new_id

log = logging.getLogger(__name__)

ARRIVED_TEXT = "Đã đến (văn bản đã đến hệ thống của đơn vị nhận)"


@dataclass(frozen=True)
class StatusDraft:
    """A status the node will emit: who reports what, about which document."""

    reporter: str
    code: StatusCode
    response_for: ResponseFor
    description: str
    to: str
    """The organ the status goes to (the document's sender, or the failed sender)."""
    record: bool = True
    """Whether it enters the status history of (document, reporter)."""
    priority: int = 0


def response_for_document(document_id: str, organ_id: str | None = None) -> ResponseFor:
    """ResponseFor of a document from its DocumentId (``sender,yyyy/MM/dd,code``)."""
    parts = document_id.split(",", 2)
    sender = organ_id or parts[0]
    promulgated: date | None = None
    code = parts[2] if len(parts) == 3 else document_id
    if len(parts) == 3:
        try:
            promulgated = datetime.strptime(parts[1], "%Y/%m/%d").date()
        except ValueError:
            promulgated = None
    return ResponseFor(
        organ_id=sender, code=code, promulgation_date=promulgated, document_id=document_id
    )


@dataclass(frozen=True, kw_only=True)
class StatusWriter:
    """Writes the node's own status messages: signed for the reporter, ready to store."""

    node_organ: str
    keys: KeyRing
    clock: Clock
    signatures: MemoryBudget

    def vn_now(self) -> datetime:
        """Now, as an edXML timestamp: Vietnam time, whole seconds."""
        return self.clock.now().astimezone(VN_TZ).replace(microsecond=0)

    async def sign_for(self, organ: str, xml: bytes) -> bytes:
        """Sign with the organ's key, else the node's own organ key, else not at all.

        An organ whose DMS signs (``signing = "dms"``) on a node without a key of
        its own still gets its automatic 01: a status the node cannot sign goes out
        unsigned with a warning. Refusing the document because of it (a 500 after
        the document was fine) would be worse; the receiving side decides."""
        signer = self.keys.signer_for(organ) or self.keys.signer_for(self.node_organ)
        if signer is None:
            log.warning(
                "no signing key for %s nor for the node's organ %s: the status it emits "
                "goes out unsigned",
                organ,
                self.node_organ,
            )
            return xml
        # a status is small: signed on the loop, unless the key is on a device
        size = len(xml) if in_process(signer) else None
        async with self.signatures.hold(len(xml), "the status message"):
            signed: bytes = await off_loop(signer.sign, xml, size=size)
        return signed

    async def build(
        self, draft: StatusDraft, placement: Placement, *, keys: tuple[str, ...] = ()
    ) -> NewMessage:
        at = self.vn_now()
        envelope = Envelope(
            header=Status(
                from_=Organ(draft.reporter),
                response_for=draft.response_for,
                status_code=draft.code,
                timestamp=at,
                description=draft.description,
            ),
            traces=(TraceHeader(draft.reporter, at),),
        )
        data = await self.sign_for(draft.reporter, edxml.build(envelope))
        document_id = draft.response_for.document_id
        mid = new_id()
        history = (
            (NewStatusEntry(document_id, draft.reporter, draft.code.value, at, draft.description),)
            if draft.record
            else ()
        )
        return NewMessage(
            id=mid,
            origin_id=mid,
            kind=MessageKind.STATUS,
            document_id=document_id,
            sender=draft.reporter,
            recipients=(draft.to,),
            source=Source.NODE,
            source_name=self.node_organ,
            received_at=self.clock.now(),
            body=data,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            priority=draft.priority,
            status_code=draft.code.value,
            hops=(Hop(self.node_organ, self.clock.now(), Direction.IN),),
            deliveries=placement.deliveries,
            inbox=placement.inbox,
            statuses=history,
            keys=(status_key(document_id, draft.reporter, draft.code.value, at), *keys),
        )
