"""Inbox, fetching, ack and trace: each DMS sees only its own."""

from __future__ import annotations

import pytest

from node.errors import BadRequest, NotFound
from node.ports.api import DmsPrincipal
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, STTTT, UBND, VPCP, Node
from tests.unit.engine.messages import document

STRANGER = DmsPrincipal("dms-other", frozenset({"000.00.99.H41"}))


async def _documents_to_stttt(node: Node, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        data, _ = document(UBND, (STTTT,))
        ids.append((await node.submit(data)).id)
    return ids


async def test_inbox_pages_with_an_opaque_cursor(node: Node) -> None:
    ids = await _documents_to_stttt(node, 5)
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = await node.exchange.inbox(DMS_STTTT, limit=2, cursor=cursor)
        seen += [i.id for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize("cursor", ["nonsense", "djE6LTE", "!!"])
async def test_a_forged_cursor_is_a_clear_error(node: Node, cursor: str) -> None:
    with pytest.raises(BadRequest, match="cursor"):
        await node.exchange.inbox(DMS_STTTT, limit=2, cursor=cursor)


@pytest.mark.parametrize("limit", [0, -1, 100_000])
async def test_a_silly_limit_is_a_clear_error(node: Node, limit: int) -> None:
    with pytest.raises(BadRequest, match="limit"):
        await node.exchange.inbox(DMS_STTTT, limit=limit, cursor=None)


async def test_ack_is_idempotent_and_unacked_messages_stay(node: Node) -> None:
    first, second = await _documents_to_stttt(node, 2)
    await node.exchange.ack(first, DMS_STTTT)
    await node.exchange.ack(first, DMS_STTTT)
    assert [i.id for i in (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items] == [
        second
    ]


async def test_nobody_acks_or_reads_what_is_not_theirs(node: Node) -> None:
    (doc,) = await _documents_to_stttt(node, 1)
    with pytest.raises(NotFound):
        await node.exchange.ack(doc, STRANGER)
    with pytest.raises(NotFound):
        await node.exchange.open_message(doc, STRANGER)
    with pytest.raises(NotFound):
        await node.exchange.trace(doc, STRANGER)
    with pytest.raises(NotFound):
        await node.exchange.open_message("no-such-id", DMS_STTTT)


async def test_sender_and_recipient_may_read_and_trace(node: Node) -> None:
    data, doc_id = document(UBND, (STTTT, VPCP))
    result = await node.submit(data)
    for who in (DMS_UBND, DMS_STTTT):
        body = await node.exchange.open_message(result.id, who)
        assert b"".join([c async for c in body.chunks()]) == data
        trace = await node.exchange.trace(result.id, who)
        assert (trace.document_id, trace.recipients) == (doc_id, (STTTT, VPCP))
        assert [(s.recipient, s.code) for s in trace.statuses] == [(STTTT, "01")]
        assert [d.destination.name for d in trace.deliveries] == ["vpcp"]
