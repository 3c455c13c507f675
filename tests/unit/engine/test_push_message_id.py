"""A webhook or drop-folder push names the message by this node's id (the id
the DMS fetches and acknowledges with), while a relay to another node keeps
the origin's id (peers deduplicate by it across redeliveries)."""

from __future__ import annotations

from typing import Any

from node.model import MessageKind
from node.ports.api import PeerPrincipal
from node.ports.driven import DestinationKind, TransferMeta
from tests.unit.engine.conftest import DMS_STTTT, STTTT, VPCP
from tests.unit.engine.messages import document

ELSEWHERE = "000.00.00.G01"  # routed to the default peer, "axis"


async def test_push_uses_the_local_id_and_relay_the_origin_id(make_node: Any) -> None:
    node = await make_node(push={"dms-stttt": DestinationKind.WEBHOOK})
    data, _ = document(VPCP, (STTTT, ELSEWHERE))
    meta = TransferMeta("origin-7", MessageKind.DOCUMENT, (STTTT, ELSEWHERE), ())
    stored = await node.exchange.receive(
        node.body(data), peer=PeerPrincipal("vpcp", VPCP), meta=meta
    )
    assert stored.id != "origin-7"

    await node.deliver()

    (pushed,) = node.transport.to("dms-stttt")
    assert pushed.destination.kind is DestinationKind.WEBHOOK
    assert pushed.meta.message_id == stored.id
    (relayed,) = node.transport.to("axis")
    assert relayed.meta.message_id == "origin-7"
    # the id the DMS was given is the one it can fetch and acknowledge with
    body = await node.exchange.open_message(pushed.meta.message_id, DMS_STTTT)
    assert b"".join([c async for c in body.chunks()]) == data
    await node.exchange.ack(pushed.meta.message_id, DMS_STTTT)
    assert (await node.exchange.inbox(DMS_STTTT, limit=5, cursor=None)).items == ()


async def test_a_locally_submitted_push_uses_the_same_id(make_node: Any) -> None:
    node = await make_node(push={"dms-stttt": DestinationKind.DROP_FOLDER})
    data, _ = document("000.00.00.H41", (STTTT,))
    result = await node.submit(data)

    await node.deliver()

    (pushed,) = node.transport.to("dms-stttt")
    assert pushed.meta.message_id == result.id
