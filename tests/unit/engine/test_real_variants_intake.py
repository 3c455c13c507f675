"""The variants real national files carry go through intake, not only through
validation: stored exactly as received, routed, answered with 01
(docs/domain.md §1, "Variants real files carry")."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from node.errors import ValidationFailed
from node.model import MessageKind
from tests.support.messages import document, status
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, STTTT, UBND, Node


def _real_variants(data: bytes) -> bytes:
    """An empty ResponseFor, a trace naming no organ, a system code in a trace."""
    traces = (
        b"<edXML:TraceHeader><edXML:OrganId>null</edXML:OrganId>"
        b"<edXML:Timestamp>2026/11/20 09:00:00</edXML:Timestamp></edXML:TraceHeader>"
        b"<edXML:TraceHeader><edXML:Timestamp>2026/11/20 09:00:01</edXML:Timestamp>"
        b"</edXML:TraceHeader>"
        b"<edXML:TraceHeader><edXML:OrganId>vxp.saas.02</edXML:OrganId>"
        b"<edXML:Timestamp>2026/11/20 09:00:02</edXML:Timestamp></edXML:TraceHeader>"
    )
    changed = data.replace(b"<edXML:SteeringType>", b"<edXML:ResponseFor/><edXML:SteeringType>", 1)
    changed = changed.replace(b"<edXML:TraceHeaderList>", b"<edXML:TraceHeaderList>" + traces, 1)
    assert changed.count(b"vxp.saas.02") == 1
    assert b"<edXML:ResponseFor/>" in changed
    return changed


async def test_a_document_with_real_variants_is_stored_as_received(node: Node) -> None:
    data = _real_variants(document(UBND, (STTTT,))[0])

    result = await node.submit(data)

    assert result.state == "accepted"
    stored = await node.store.body(result.id)
    assert b"".join([c async for c in stored.chunks()]) == data
    (item,) = (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items
    assert (item.id, item.kind) == (result.id, MessageKind.DOCUMENT)
    back = (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items
    assert [(i.from_, i.status_code) for i in back] == [(STTTT, "01")]


async def test_a_status_with_an_empty_response_for_is_refused_with_why(node: Node) -> None:
    _, doc_id = document(UBND, (STTTT,))
    data = re.sub(
        rb"<edXML:ResponseFor>.*?</edXML:ResponseFor>",
        b"<edXML:ResponseFor/>",
        status(STTTT, doc_id, "03", datetime(2026, 11, 20, 3, 5, tzinfo=UTC)),
        flags=re.S,
    )
    with pytest.raises(ValidationFailed) as refused:
        await node.submit(data, principal=DMS_STTTT, kind=MessageKind.STATUS)
    assert [i.message for i in refused.value.issues] == [
        "a status message needs ResponseFor (the document it reports on)"
    ]
