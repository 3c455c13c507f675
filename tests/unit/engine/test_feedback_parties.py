"""Who may say what about a document (domain §3, issue 14 hole 3): the node's
own record of the document (who sent it, who received it) decides, never the
status's ResponseFor/OrganId. Only a recipient sends 01-06/15/16, only the
sender 13; a relayed status comes through the route of its reporter. A DMS's
own 01 after the node's automatic one is the same fact (issue 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.errors import BadRequest, Forbidden, IllegalTransition, NotAParty, UnknownDestination
from node.model import MessageKind, StatusCode
from node.ports.api import DmsPrincipal, PeerPrincipal
from node.ports.driven import TransferMeta
from node.status_rules import replay
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, STTTT, T0, UBND, VPCP, Node
from tests.unit.engine.messages import document, status

STATUS = MessageKind.STATUS
OTHER_G22 = "000.00.01.G22"
"""Another organ served by the peer vpcp (node B), not a recipient."""
STRANGER = "000.00.13.H41"
DMS_STRANGER = DmsPrincipal("dms-stranger", frozenset({STRANGER}))


def relayed(message_id: str, recipients: tuple[str, ...]) -> TransferMeta:
    return TransferMeta(message_id, STATUS, recipients, ())


async def receive(node: Node, data: bytes, meta: TransferMeta, peer: str = "vpcp"):  # type: ignore[no-untyped-def]
    principal = PeerPrincipal(peer, VPCP if peer == "vpcp" else "000.00.00.A00")
    return await node.exchange.receive(node.body(data), peer=principal, meta=meta)


async def _sent_to_vpcp(node: Node) -> str:
    data, doc_id = document(UBND, (VPCP,))
    await node.submit(data)
    return doc_id


async def _nothing_reached_ubnd(node: Node, doc_id: str) -> None:
    assert (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items == ()
    for organ in (STTTT, OTHER_G22, VPCP):
        assert await node.store.status_history(doc_id, organ) == ()


# --------------------------------------------------------------------------- forged feedback


async def test_a_02_from_a_department_about_a_document_sent_to_g22_only_is_refused(
    node: Node,
) -> None:
    doc_id = await _sent_to_vpcp(node)

    with pytest.raises(NotAParty, match=r"000\.00\.12\.H41 is not a recipient") as caught:
        await node.submit(status(STTTT, doc_id, "02", T0), DMS_STTTT, STATUS)

    assert caught.value.http_status == 403
    assert f"sent by {UBND} to {VPCP}" in caught.value.detail
    await _nothing_reached_ubnd(node, doc_id)
    refusals = [
        (e.actor, e.details["kind"])
        for e in await node.store.audit_entries(limit=50, after=None)
        if e.action == "refuse"
    ]
    assert refusals == [("dms:dms-stttt", "not-a-party")]


async def test_a_02_relayed_from_another_organ_on_node_b_is_refused(node: Node) -> None:
    doc_id = await _sent_to_vpcp(node)

    with pytest.raises(NotAParty, match=r"000\.00\.01\.G22 is not a recipient"):
        await receive(node, status(OTHER_G22, doc_id, "02", T0), relayed("s-1", (UBND,)))

    await _nothing_reached_ubnd(node, doc_id)
    await node.deliver()
    assert [s.meta.kind for s in node.transport.sent] == [MessageKind.DOCUMENT]


async def test_a_13_from_a_recipient_naming_itself_in_response_for_is_refused(node: Node) -> None:
    doc_id = await _sent_to_vpcp(node)
    forged = status(VPCP, doc_id, "13", T0, response_organ=VPCP)

    with pytest.raises(IllegalTransition, match="must come from the document's sender"):
        await receive(node, forged, relayed("s-13", (UBND,)))

    await _nothing_reached_ubnd(node, doc_id)


async def test_a_13_from_a_local_recipient_is_refused(node: Node) -> None:
    data, doc_id = document(UBND, (STTTT,))
    await node.submit(data)
    forged = status(STTTT, doc_id, "13", T0, response_organ=STTTT)

    with pytest.raises(IllegalTransition, match="must come from the document's sender"):
        await node.submit(forged, DMS_STTTT, STATUS)


async def test_a_13_from_an_organ_that_did_not_send_the_document_is_refused(node: Node) -> None:
    data, doc_id = document(VPCP, (STTTT,))
    await node.exchange.receive(
        node.body(data),
        peer=PeerPrincipal("vpcp", VPCP),
        meta=TransferMeta("m-1", MessageKind.DOCUMENT, (STTTT,), ()),
    )

    with pytest.raises(NotAParty, match="did not send document"):
        await receive(node, status(OTHER_G22, doc_id, "13", T0), relayed("s-13", (STTTT,)))


async def test_a_status_about_a_document_this_node_never_stored_is_refused(node: Node) -> None:
    unknown = f"{VPCP},2026/11/20,77/VPCP"
    with pytest.raises(UnknownDestination, match="no record of document"):
        await node.submit(status(STTTT, unknown, "03", T0), DMS_STTTT, STATUS)


async def test_a_relayed_status_must_come_through_the_route_of_its_reporter(node: Node) -> None:
    doc_id = await _sent_to_vpcp(node)
    with pytest.raises(Forbidden, match="may not deliver messages from"):
        await receive(node, status(VPCP, doc_id, "03", T0), relayed("s-3", (UBND,)), peer="axis")
    await _nothing_reached_ubnd(node, doc_id)


async def test_a_relayed_status_for_someone_else_than_the_sender_is_refused(node: Node) -> None:
    doc_id = await _sent_to_vpcp(node)
    with pytest.raises(BadRequest, match="Lienthong-Recipients"):
        await receive(node, status(VPCP, doc_id, "01", T0), relayed("s-1", (STTTT,)))


# --------------------------------------------------------------------------- national recall


async def test_the_national_13_naming_the_recipient_then_16_from_the_recipient(
    node: Node,
) -> None:
    data, doc_id = document(VPCP, (STTTT,))
    await node.exchange.receive(
        node.body(data),
        peer=PeerPrincipal("vpcp", VPCP),
        meta=TransferMeta("m-1", MessageKind.DOCUMENT, (STTTT,), ()),
    )
    national_13 = status(VPCP, doc_id, "13", T0, response_organ=STTTT)

    await receive(node, national_13, relayed("s-13", (STTTT,)))
    answer = await node.submit(
        status(STTTT, doc_id, "16", T0 + timedelta(minutes=1)), DMS_STTTT, STATUS
    )

    assert [s.code for s in await node.store.status_history(doc_id, STTTT)] == ["01", "13", "16"]
    record = await node.store.message(answer.id)
    assert record is not None
    assert record.recipients == (VPCP,)
    await node.deliver()
    assert [d.destination.name for d in await node.store.deliveries(answer.id)] == ["vpcp"]


async def test_the_national_13_from_a_local_sender_then_15_takes_the_document_back(
    node: Node,
) -> None:
    data, doc_id = document(UBND, (STTTT,))
    await node.submit(data)

    await node.submit(status(UBND, doc_id, "13", T0, response_organ=STTTT), DMS_UBND, STATUS)
    # the recipient answers with ResponseFor naming the recipient too: the record decides
    await node.submit(
        status(STTTT, doc_id, "15", T0 + timedelta(minutes=1), response_organ=STTTT),
        DMS_STTTT,
        STATUS,
    )

    assert [s.code for s in await node.store.status_history(doc_id, STTTT)] == ["01", "13", "15"]
    kinds = [i.kind for i in (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items]
    assert kinds == [STATUS], "the recalled document left the recipient's inbox"
    codes = [
        i.status_code for i in (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items
    ]
    assert codes == ["01", "15"], "the 15 went to the sender, not to ResponseFor/OrganId"


# --------------------------------------------------------------------------- the DMS's own 01


async def test_a_dms_01_after_the_automatic_01_is_a_duplicate_recorded_once(node: Node) -> None:
    data, doc_id = document(UBND, (STTTT,))
    await node.submit(data)
    (auto,) = await node.store.status_history(doc_id, STTTT)

    own = await node.submit(
        status(STTTT, doc_id, "01", T0 + timedelta(minutes=2)), DMS_STTTT, STATUS
    )

    assert (own.id, own.duplicate) == (auto.message_id, True)
    assert [s.code for s in await node.store.status_history(doc_id, STTTT)] == ["01"]
    codes = [
        i.status_code for i in (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items
    ]
    assert codes == ["01"]


async def test_a_relayed_01_after_one_already_recorded_is_a_duplicate(node: Node) -> None:
    doc_id = await _sent_to_vpcp(node)
    first = await receive(node, status(VPCP, doc_id, "01", T0), relayed("s-1", (UBND,)))
    again = await receive(
        node, status(VPCP, doc_id, "01", T0 + timedelta(minutes=1)), relayed("s-2", (UBND,))
    )
    assert (again.id, again.duplicate) == (first.id, True)
    assert [s.code for s in await node.store.status_history(doc_id, VPCP)] == ["01"]


# --------------------------------------------------------------------------- the whole rule

SIDES = {"sender": (UBND, DMS_UBND), "recipient": (STTTT, DMS_STTTT), "stranger": None}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(list(StatusCode)), st.sampled_from(sorted(SIDES))),
        min_size=1,
        max_size=7,
    )
)
async def test_only_the_right_side_moves_the_feedback_and_only_as_the_rules_allow(
    make_node, steps: list[tuple[StatusCode, str]]
) -> None:  # type: ignore[no-untyped-def]
    node = await make_node()
    data, doc_id = document(UBND, (STTTT,))
    await node.submit(data)
    history = [StatusCode.ARRIVED]
    for i, (code, side) in enumerate(steps):
        reporter, principal = SIDES[side] or (STRANGER, DMS_STRANGER)
        # ResponseFor/OrganId is filled either way by real files: it must not matter
        organ = (UBND, STTTT)[i % 2]
        data = status(
            reporter, doc_id, code.value, T0 + timedelta(minutes=i + 1), response_organ=organ
        )
        right_side = (side == "sender") == (code is StatusCode.RECALL_REQUESTED)
        if side == "stranger":
            with pytest.raises(NotAParty):
                await node.submit(data, principal, STATUS)
            continue
        if not right_side:
            with pytest.raises(IllegalTransition, match="must come from"):
                await node.submit(data, principal, STATUS)
            continue
        if code is StatusCode.ARRIVED:
            result = await node.submit(data, principal, STATUS)
            assert result.duplicate
            continue
        try:
            replay([*history, code])
            legal = True
        except IllegalTransition:
            legal = False
        if legal:
            result = await node.submit(data, principal, STATUS)
            assert not result.duplicate
            history.append(code)
        else:
            with pytest.raises(IllegalTransition, match="not allowed"):
                await node.submit(data, principal, STATUS)
    stored = [StatusCode(s.code) for s in await node.store.status_history(doc_id, STTTT)]
    assert stored == history
    assert await node.store.status_history(doc_id, STRANGER) == ()


async def test_a_peer_refusing_a_forgery_in_our_name_still_reaches_the_named_organ(
    node: Node,
) -> None:
    """Node B refused a document that claimed to come from UBND and that this
    node never stored (a forgery sent to B directly): its 02 reaches UBND; any
    other status about a document this node never stored is refused."""
    never_sent = f"{UBND},2026/11/20,666/UBND"
    refusal = await receive(node, status(VPCP, never_sent, "02", T0), relayed("s-2", (UBND,)))
    items = (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items
    assert [(i.id, i.status_code) for i in items] == [(refusal.id, "02")]
    with pytest.raises(UnknownDestination, match="no record of document"):
        await receive(node, status(VPCP, never_sent, "03", T0), relayed("s-3", (UBND,)))
