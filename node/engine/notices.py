"""The failure notice: when a delivery is dead-lettered, the sending organ is
told in a status 02 from the node's own organ saying to whom and why."""

from __future__ import annotations

import logging

from node.engine.plan import route_back
from node.engine.settings import EngineSettings
from node.engine.statuses import StatusDraft, StatusWriter, response_for_document
from node.errors import LienthongError
from node.model import MessageKind, StatusCode
from node.store.records import ClaimedDelivery, NewMessage, Source

log = logging.getLogger("lienthong.engine")


def notice_wanted(settings: EngineSettings, c: ClaimedDelivery) -> bool:
    """Documents always; statuses only when their sender is a local organ (a
    relayed status's sender cannot be told about a message that is not a
    document); never about a 02 the node wrote itself (a notice or a refusal:
    no notices about notices)."""
    m = c.message
    if m.source is Source.NODE and m.status_code == StatusCode.REFUSED.value:
        return False
    if m.kind is MessageKind.DOCUMENT:
        return True
    return m.sender in settings.routing.local_organs


async def failure_notice(
    settings: EngineSettings, statuses: StatusWriter, c: ClaimedDelivery, reason: str
) -> NewMessage | None:
    if not notice_wanted(settings, c):
        return None
    m = c.message
    what = "văn bản" if m.kind is MessageKind.DOCUMENT else f"trạng thái {m.status_code}"
    description = (
        f"Không chuyển được {what} tới {', '.join(c.recipients)} "
        f"({c.destination.kind} {c.destination.name}): {reason}"
    )
    draft = StatusDraft(
        reporter=settings.node_organ,
        code=StatusCode.REFUSED,
        response_for=response_for_document(m.document_id),
        description=description,
        to=m.sender,
        record=False,
        priority=m.priority,
    )
    try:
        via = m.source_name if m.source is Source.PEER else None
        placement = route_back(settings, m.sender, via_peer=via)
        return await statuses.build(draft, placement, keys=(f"notice|{c.id}|{c.attempts + 1}",))
    except LienthongError as exc:
        # No way (or no key) to tell the sender: the dead letter itself stays visible.
        log.warning("no failure notice for message %s: %s", m.id, exc.detail)
        return None
