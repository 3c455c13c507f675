"""Receiving from a peer: hops, dedup by transfer, the expected peer, verification
(a failure is refused AND answered with 02), then the same storage as a submit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from node.errors import BadRequest, Forbidden, LoopDetected, SignatureRejected
from node.model import MessageKind
from node.ports.api import PeerPrincipal
from node.ports.driven import Direction, Hop, TransferMeta
from tests.support.messages import document, status, status_code
from tests.unit.engine.conftest import (
    DMS_STTTT,
    DMS_UBND,
    NODE,
    PEER_VPCP,
    STTTT,
    T0,
    UBND,
    VPCP,
    Node,
)

pytestmark = pytest.mark.usefixtures("both_paths")

DOC = MessageKind.DOCUMENT
HOPS = (
    Hop(VPCP, T0 - timedelta(seconds=5), Direction.IN),
    Hop(VPCP, T0 - timedelta(seconds=4), Direction.OUT),
)


def meta(
    message_id: str = "m-1",
    recipients: tuple[str, ...] = (STTTT,),
    kind: MessageKind = DOC,
    hops=HOPS,
) -> TransferMeta:  # type: ignore[no-untyped-def]
    return TransferMeta(message_id, kind, recipients, hops)


async def receive(node: Node, data: bytes, m: TransferMeta, peer: PeerPrincipal = PEER_VPCP):  # type: ignore[no-untyped-def]
    return await node.exchange.receive(node.body(data), peer=peer, meta=m)


async def test_a_document_from_a_peer_reaches_the_inbox_and_01_goes_back(node: Node) -> None:
    data, doc_id = document(VPCP, (STTTT,))

    result = await receive(node, data, meta())

    items = (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items
    assert [i.id for i in items] == [result.id]
    assert node.verifier.calls, "a peer's message is always verified"
    trace = await node.exchange.trace(result.id, DMS_STTTT)
    assert trace.hops == (*HOPS, Hop(NODE, T0, Direction.IN))
    await node.deliver()
    (sent,) = node.transport.to("vpcp")
    assert sent.meta.kind is MessageKind.STATUS
    assert sent.meta.recipients == (VPCP,)
    assert status_code(sent.body) == "01"
    assert doc_id.encode() in sent.body


async def test_a_redelivered_transfer_is_answered_like_the_first_time(node: Node) -> None:
    data, _ = document(VPCP, (STTTT,))
    first = await receive(node, data, meta("m-7"))
    again = await receive(node, data, meta("m-7"))
    assert (again.id, again.duplicate) == (first.id, True)
    assert len((await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items) == 1


async def test_a_message_from_an_unexpected_peer_is_forbidden(node: Node) -> None:
    data, _ = document(VPCP, (STTTT,))
    with pytest.raises(Forbidden, match=r"it speaks for 000\.00\.00\.A00 "):
        await receive(node, data, meta(), peer=PeerPrincipal("axis", "000.00.00.A00"))
    entries = await node.store.audit_entries(limit=10, after=None)
    assert [(e.actor, e.action, e.subject) for e in entries] == [("peer:axis", "refuse", "m-1")]


async def test_a_message_claiming_a_local_sender_is_forbidden(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    with pytest.raises(Forbidden, match="it is an organ of this node"):
        await receive(node, data, meta())


AXIS = PeerPrincipal("axis", "000.00.00.A00")
UNROUTED = "000.00.00.G01"  # no route names it: the default route (axis) would carry it


async def test_the_default_peer_may_not_claim_an_organ_it_does_not_serve(node: Node) -> None:
    """Issue 14, hole 7: being the default route is no licence to speak for
    every organ no route names."""
    data, _ = document(UNROUTED, (STTTT,))
    with pytest.raises(
        Forbidden, match=r"peer axis may not deliver messages from 000\.00\.00\.G01"
    ):
        await receive(node, data, meta(), peer=AXIS)
    assert (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items == ()


async def test_a_peer_speaks_for_its_own_organ_without_a_route(node: Node) -> None:
    data, _ = document(AXIS.node_organ, (STTTT,))
    result = await receive(node, data, meta(), peer=AXIS)
    assert not result.duplicate


async def test_explicit_organ_patterns_decide_what_a_peer_speaks_for(make_node) -> None:  # type: ignore[no-untyped-def]
    from node.organ import OrganPattern

    node = await make_node(peer_organs={"axis": (OrganPattern.parse("000.00.*.G01"),)})
    data, _ = document(UNROUTED, (STTTT,))
    assert not (await receive(node, data, meta(), peer=AXIS)).duplicate
    own, _ = document(AXIS.node_organ, (STTTT,))  # not listed: the list replaces the default
    with pytest.raises(Forbidden, match=r"it speaks for 000\.00\.\*\.G01 "):
        await receive(node, own, meta("m-2"), peer=AXIS)


async def test_speaking_for_an_organ_is_not_enough_without_the_route_back(make_node) -> None:  # type: ignore[no-untyped-def]
    from node.organ import OrganPattern

    node = await make_node(peer_organs={"axis": (OrganPattern.parse("*.*.*.G22"),)})
    data, _ = document(VPCP, (STTTT,))  # routed to vpcp: the 01 goes back there
    with pytest.raises(Forbidden, match="expects peer vpcp"):
        await receive(node, data, meta(), peer=AXIS)


async def test_a_message_that_passed_this_node_is_a_loop(node: Node) -> None:
    data, _ = document(VPCP, (STTTT,))
    with pytest.raises(LoopDetected, match="already passed this node"):
        await receive(node, data, meta(hops=(*HOPS, Hop(NODE, T0, Direction.OUT))))


async def test_too_many_hops_are_refused(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(hop_limit=1)
    data, _ = document(VPCP, (STTTT,))
    with pytest.raises(LoopDetected, match="hop limit"):
        await receive(node, data, meta())


async def test_recipients_header_must_name_recipients_of_the_document(node: Node) -> None:
    data, _ = document(VPCP, (STTTT,))
    with pytest.raises(BadRequest, match="Lienthong-Recipients"):
        await receive(node, data, meta(recipients=(UBND,)))


async def test_a_failed_verification_is_refused_and_answered_with_02(node: Node) -> None:
    node.verifier.accepted = False
    node.verifier.reasons = ("digest mismatch",)
    data, doc_id = document(VPCP, (STTTT,))

    with pytest.raises(SignatureRejected, match="digest mismatch"):
        await receive(node, data, meta("m-bad"))
    with pytest.raises(SignatureRejected):
        await receive(node, data, meta("m-bad"))

    assert (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items == ()
    await node.deliver()
    (sent,) = node.transport.to("vpcp")
    assert status_code(sent.body) == "02"
    assert b"digest mismatch" in sent.body
    assert sent.body.endswith(b"signed by " + STTTT.encode() + b" -->")
    assert doc_id.encode() in sent.body


async def test_a_status_for_a_document_sent_from_here_reaches_the_sending_dms(node: Node) -> None:
    data, doc_id = document(UBND, (VPCP,))
    await node.submit(data)

    await receive(node, status(VPCP, doc_id, "01", T0), meta("s-1", (UBND,), MessageKind.STATUS))

    items = (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items
    assert [(i.kind, i.from_, i.status_code) for i in items] == [(MessageKind.STATUS, VPCP, "01")]
    assert [s.code for s in await node.store.status_history(doc_id, VPCP)] == ["01"]


async def test_statuses_that_overtook_each_other_are_still_accepted(node: Node) -> None:
    data, doc_id = document(UBND, (VPCP,))
    await node.submit(data)
    late_01 = status(VPCP, doc_id, "01", T0)
    early_03 = status(VPCP, doc_id, "03", T0 + timedelta(minutes=2))

    r03 = await receive(node, early_03, meta("s-3", (UBND,), MessageKind.STATUS))
    await receive(node, late_01, meta("s-1", (UBND,), MessageKind.STATUS))
    await node.submit(
        status(UBND, doc_id, "13", T0 + timedelta(minutes=3)), DMS_UBND, MessageKind.STATUS
    )

    detail = await node.admin.detail(r03.id)
    assert "not allowed" in detail.verification["status_rules"]
    assert [s.code for s in await node.store.status_history(doc_id, VPCP)] == ["03", "01", "13"]


async def test_a_recall_from_a_peer_reaches_the_local_recipient(node: Node) -> None:
    data, doc_id = document(VPCP, (STTTT,))
    await receive(node, data, meta("m-9"))

    await receive(node, status(VPCP, doc_id, "13", T0), meta("s-13", (STTTT,), MessageKind.STATUS))

    items = (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items
    assert [i.status_code for i in items] == [None, "13"]
