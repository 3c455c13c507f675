"""Business flows (domain §4, issue 13): an update, recall or replacement shares
the original's DocumentId (or names it) and is a new message linked to the
original, delivered to the recipients; only identical bytes are a duplicate."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.model import MessageKind
from node.ports.api import PeerPrincipal
from node.ports.driven import TransferMeta
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, STTTT, T0, UBND, VPCP, Node
from tests.unit.engine.messages import business_document, status

DOC = MessageKind.DOCUMENT


async def _inbox_ids(node: Node) -> list[str]:
    return [
        i.id
        for i in (await node.exchange.inbox(DMS_STTTT, limit=50, cursor=None)).items
        if i.kind is DOC
    ]


async def test_an_update_is_a_new_message_linked_to_the_original(node: Node) -> None:
    original_bytes, doc_id = business_document(UBND, (STTTT,), number=700, doc_type=0)
    original = await node.submit(original_bytes)
    update_bytes, same_id = business_document(
        UBND, (STTTT,), number=700, doc_type=2, reason="Cập nhật", subject="Trích yếu đã sửa"
    )

    update = await node.submit(update_bytes)

    assert same_id == doc_id
    assert not update.duplicate
    assert update.id != original.id
    assert await _inbox_ids(node) == [original.id, update.id]
    opened = await node.exchange.open_message(update.id, DMS_STTTT)
    assert "Trích yếu đã sửa".encode() in b"".join([c async for c in opened.chunks(1 << 16)])
    detail = await node.admin.detail(update.id)
    business = detail.verification["business"]
    assert business["type"] == "update"
    assert business["original"] == original.id
    assert business["previous"] == original.id
    assert business["changes"] == ["document_info"]
    # what the recipient's DMS sees in the trace of what it received
    trace = await node.exchange.trace(update.id, DMS_STTTT)
    assert [(c.id, c.business) for c in trace.chain] == [
        (original.id, "new"),
        (update.id, "update"),
    ]
    assert trace.chain[1].original == original.id
    assert [c.id for c in (await node.exchange.trace(original.id, DMS_UBND)).chain] == [
        original.id,
        update.id,
    ]
    # the recipient's 01 for the DocumentId is recorded once
    assert [s.code for s in await node.store.status_history(doc_id, STTTT)] == ["01"]


async def test_the_identical_update_again_is_a_duplicate_a_second_update_is_not(
    node: Node,
) -> None:
    original = await node.submit(business_document(UBND, (STTTT,), number=701, doc_type=0)[0])
    first_bytes, _ = business_document(UBND, (STTTT,), number=701, doc_type=2, subject="A")
    first = await node.submit(first_bytes)
    again = await node.submit(first_bytes)
    second = await node.submit(
        business_document(UBND, (STTTT,), number=701, doc_type=2, subject="B")[0]
    )

    assert (again.id, again.duplicate) == (first.id, True)
    assert not second.duplicate
    assert await _inbox_ids(node) == [original.id, first.id, second.id]
    business = (await node.admin.detail(second.id)).verification["business"]
    assert (business["original"], business["previous"]) == (original.id, first.id)


async def test_a_new_document_resubmitted_with_other_bytes_is_still_a_duplicate(
    node: Node,
) -> None:
    first = await node.submit(business_document(UBND, (STTTT,), number=702, doc_type=0)[0])
    again = await node.submit(
        business_document(UBND, (STTTT,), number=702, doc_type=0, reason="lại")[0]
    )
    assert (again.id, again.duplicate) == (first.id, True)
    assert (await node.exchange.trace(first.id, DMS_UBND)).chain == ()


async def test_a_recall_document_is_delivered_and_linked(node: Node) -> None:
    original = await node.submit(business_document(UBND, (STTTT,), number=703, doc_type=0)[0])
    recall = await node.submit(
        business_document(UBND, (STTTT,), number=703, doc_type=1, reason="Thu hồi")[0]
    )
    assert await _inbox_ids(node) == [original.id, recall.id]
    trace = await node.exchange.trace(recall.id, DMS_STTTT)
    assert [(c.business, c.reason) for c in trace.chain] == [("new", None), ("recall", "Thu hồi")]


async def test_a_replacement_is_linked_to_the_document_it_names(node: Node) -> None:
    old_bytes, old_id = business_document(UBND, (STTTT,), number=704, doc_type=0)
    old = await node.submit(old_bytes)
    replacement = await node.submit(
        business_document(UBND, (STTTT,), number=705, doc_type=3, replaces=((old_id, (STTTT,)),))[0]
    )

    business = (await node.admin.detail(replacement.id)).verification["business"]
    assert business["type"] == "replacement"
    assert (business["original"], business["original_document_id"]) == (old.id, old_id)
    assert business["replaces"] == [{"document_id": old_id, "organs": [STTTT]}]
    chain = (await node.admin.detail(replacement.id)).trace.chain
    assert [(c.id, c.business) for c in chain] == [
        (old.id, "new"),
        (replacement.id, "replacement"),
    ]


async def test_an_update_adding_a_receiver_reaches_it_and_lets_it_report(node: Node) -> None:
    await node.submit(business_document(UBND, (STTTT,), number=706, doc_type=0)[0])
    update_bytes, doc_id = business_document(
        UBND, (STTTT, VPCP), number=706, doc_type=2, receivers=((VPCP, 0),)
    )
    update = await node.submit(update_bytes)

    record = await node.store.message(update.id)
    assert record is not None
    assert record.recipients == (STTTT, VPCP)
    await node.deliver()
    assert [s.meta.recipients for s in node.transport.sent if s.meta.kind is DOC] == [(VPCP,)]
    # the new receiver, on node B, may now report about the document
    answer = await node.exchange.receive(
        node.body(status(VPCP, doc_id, "01", T0 + timedelta(minutes=1))),
        peer=PeerPrincipal("vpcp", VPCP),
        meta=TransferMeta("s-1", MessageKind.STATUS, (UBND,), ()),
    )
    assert not answer.duplicate


async def test_an_update_whose_original_this_node_never_stored_is_delivered(
    node: Node,
) -> None:
    update = await node.submit(business_document(UBND, (STTTT,), number=707, doc_type=2)[0])
    business = (await node.admin.detail(update.id)).verification["business"]
    assert (business["original"], business["previous"]) == (None, None)
    assert await _inbox_ids(node) == [update.id]


async def test_an_update_relayed_by_a_peer_after_its_original_is_delivered(node: Node) -> None:
    peer = PeerPrincipal("vpcp", VPCP)
    original_bytes, _ = business_document(VPCP, (STTTT,), number=708, doc_type=0)
    update_bytes, _ = business_document(VPCP, (STTTT,), number=708, doc_type=2, subject="Mới")
    first = await node.exchange.receive(
        node.body(original_bytes), peer=peer, meta=TransferMeta("m-1", DOC, (STTTT,), ())
    )
    update = await node.exchange.receive(
        node.body(update_bytes), peer=peer, meta=TransferMeta("m-2", DOC, (STTTT,), ())
    )

    assert not update.duplicate
    assert await _inbox_ids(node) == [first.id, update.id]
    assert (await node.admin.detail(update.id)).verification["business"]["original"] == first.id


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sends=st.lists(
        st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=2)),
        min_size=1,
        max_size=6,
    )
)
async def test_one_message_per_distinct_act_on_a_document_id(
    make_node, sends: list[tuple[int, int]]
) -> None:  # type: ignore[no-untyped-def]
    node = await make_node()
    acts: dict[object, str] = {}
    for doc_type, variant in sends:
        data, _ = business_document(
            UBND, (STTTT,), number=800, doc_type=doc_type, reason=f"lần {variant}"
        )
        result = await node.submit(data)
        act = "new" if doc_type == 0 else (doc_type, variant)
        if act in acts:
            assert (result.id, result.duplicate) == (acts[act], True)
        else:
            assert not result.duplicate
            acts[act] = result.id
    assert await _inbox_ids(node) == list(acts.values())
