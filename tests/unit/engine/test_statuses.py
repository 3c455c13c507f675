"""Status messages from a DMS: legal order, routing back, recall (13/15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.errors import IllegalTransition, UnknownDestination
from node.model import MessageKind, StatusCode
from node.status_rules import replay, sent_by_sender
from tests.support.messages import document, status
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, STTTT, T0, UBND, VPCP, Node

STATUS = MessageKind.STATUS


async def _arrived(node: Node, recipients: tuple[str, ...] = (STTTT,)) -> str:
    data, doc_id = document(UBND, recipients)
    await node.submit(data)
    return doc_id


async def test_accepted_status_goes_back_to_the_sender(node: Node) -> None:
    doc_id = await _arrived(node)
    node.clock.advance(timedelta(minutes=5))

    result = await node.submit(status(STTTT, doc_id, "03", node.clock.now()), DMS_STTTT, STATUS)

    assert not result.duplicate
    codes = [
        i.status_code for i in (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items
    ]
    assert codes == ["01", "03"]
    assert [s.code for s in await node.store.status_history(doc_id, STTTT)] == ["01", "03"]


async def test_an_illegal_transition_is_refused_with_the_reason(node: Node) -> None:
    doc_id = await _arrived(node)
    with pytest.raises(IllegalTransition, match="not allowed"):
        await node.submit(status(STTTT, doc_id, "06", T0), DMS_STTTT, STATUS)
    assert [s.code for s in await node.store.status_history(doc_id, STTTT)] == ["01"]


async def test_a_repeated_status_is_a_duplicate(node: Node) -> None:
    doc_id = await _arrived(node)
    data = status(STTTT, doc_id, "03", T0)
    first = await node.submit(data, DMS_STTTT, STATUS)
    again = await node.submit(data, DMS_STTTT, STATUS)
    assert (again.id, again.duplicate) == (first.id, True)


async def test_recall_request_goes_to_the_recorded_recipients(node: Node) -> None:
    doc_id = await _arrived(node, (STTTT, VPCP))

    result = await node.submit(status(UBND, doc_id, "13", T0), DMS_UBND, STATUS)

    record = await node.store.message(result.id)
    assert record is not None
    assert record.recipients == (STTTT, VPCP)
    inbox = (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items
    assert [i.status_code for i in inbox if i.kind is STATUS] == ["13"]
    assert [d.destination.name for d in await node.store.deliveries(result.id)] == ["vpcp"]
    assert [s.code for s in await node.store.status_history(doc_id, VPCP)] == ["13"]


async def test_recall_of_an_unknown_document_is_refused(node: Node) -> None:
    with pytest.raises(UnknownDestination, match="no record of document"):
        await node.submit(status(UBND, f"{UBND},2026/11/20,9/X", "13", T0), DMS_UBND, STATUS)


async def test_recall_from_the_recipient_side_is_refused(node: Node) -> None:
    doc_id = await _arrived(node)
    with pytest.raises(IllegalTransition, match="must come from the document's sender"):
        await node.submit(status(STTTT, doc_id, "13", T0), DMS_STTTT, STATUS)


async def test_taken_back_document_leaves_the_unacked_inbox(node: Node) -> None:
    doc_id = await _arrived(node)
    await node.submit(status(UBND, doc_id, "13", T0), DMS_UBND, STATUS)
    await node.submit(status(STTTT, doc_id, "15", T0 + timedelta(minutes=1)), DMS_STTTT, STATUS)

    kinds = [i.kind for i in (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items]

    assert kinds == [STATUS], "only the recall request is left; the document is gone"


CODES = [c for c in StatusCode if c is not StatusCode.ARRIVED]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(codes=st.lists(st.sampled_from(CODES), min_size=1, max_size=6))
async def test_the_engine_accepts_exactly_what_the_rules_allow(
    make_node, codes: list[StatusCode]
) -> None:  # type: ignore[no-untyped-def]
    node = await make_node()
    doc_id = await _arrived(node)
    history = [StatusCode.ARRIVED]
    for i, code in enumerate(codes):
        reporter, principal = (UBND, DMS_UBND) if sent_by_sender(code) else (STTTT, DMS_STTTT)
        data = status(reporter, doc_id, code.value, T0 + timedelta(minutes=i + 1))
        try:
            replay([*history, code])
            legal = True
        except IllegalTransition:
            legal = False
        if legal:
            await node.submit(data, principal, STATUS)
            history.append(code)
        else:
            with pytest.raises(IllegalTransition):
                await node.submit(data, principal, STATUS)
    stored = [StatusCode(s.code) for s in await node.store.status_history(doc_id, STTTT)]
    assert stored == history
