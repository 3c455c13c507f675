"""Status history per (document, recipient), recorded recipients, feedback facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from node.model import MessageKind
from node.store import Store
from node.store.records import NewStatusEntry
from tests.integration.store.conftest import T0, message

D = "000.00.00.H41,2026/11/20,1/UBND"
B = "000.00.12.H41"
C = "000.00.13.H41"


async def test_history_is_kept_in_order_per_recipient(store: Store) -> None:
    await store.accept(
        [message(statuses=(NewStatusEntry(D, B, "01", T0), NewStatusEntry(D, C, "01", T0)))]
    )
    await store.accept(
        [message(statuses=(NewStatusEntry(D, B, "03", T0 + timedelta(hours=1), "ok"),))]
    )

    history = await store.status_history(D, B)

    assert [(s.code, s.description) for s in history] == [("01", None), ("03", "ok")]
    assert [s.code for s in await store.status_history(D, C)] == ["01"]
    assert await store.status_history("other", B) == ()


async def test_document_recipients_are_those_recorded_for_the_sender(store: Store) -> None:
    await store.accept([message(document_id=D, recipients=(B,))])
    await store.accept([message(document_id=D, recipients=(C, B))])
    assert await store.document_recipients(D, "000.00.00.H41") == (B, C)
    assert await store.document_recipients(D, "somebody.else") == ()


async def test_documents_are_every_document_message_under_the_id_oldest_first(
    store: Store,
) -> None:
    original = message(document_id=D, recipients=(B,))
    update = replace(
        message(document_id=D, recipients=(B, C)),
        verification={"business": {"type": "update", "original": original.id}},
    )
    await store.accept([original])
    await store.accept([message(document_id="other", recipients=(B,))])
    await store.accept([message(document_id=D, kind=MessageKind.STATUS, status_code="01")])
    await store.accept([update])
    await store.accept([message(document_id=D, sender="000.00.00.G22", recipients=(C,))])

    found = await store.documents(D)

    assert [(d.sender, d.recipients) for d in found] == [
        ("000.00.00.H41", (B,)),
        ("000.00.00.H41", (B, C)),
        ("000.00.00.G22", (C,)),
    ]
    assert [d.id for d in found[:2]] == [original.id, update.id]
    assert found[1].verification["business"] == {"type": "update", "original": original.id}
    assert await store.documents("nothing") == ()


async def test_feedback_facts_join_tracked_documents_and_statuses(store: Store) -> None:
    doc = message(document_id=D, recipients=(B, C), tracked=(B, C))
    await store.accept([doc])
    await store.accept([message(statuses=(NewStatusEntry(D, B, "01", T0 + timedelta(minutes=1)),))])

    facts = {f.recipient: f for f in await store.feedback_facts(organ=None, since=None)}

    assert set(facts) == {B, C}
    assert [s.code for s in facts[B].statuses] == ["01"]
    assert facts[C].statuses == ()
    assert facts[B].stored_at == T0
    only_c = await store.feedback_facts(organ=C, since=None)
    assert [f.recipient for f in only_c] == [C]
    assert await store.feedback_facts(organ=None, since=T0 + timedelta(days=1)) == ()
