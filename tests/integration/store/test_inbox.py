"""The inbox: per organ, unacknowledged only, cursor-paginated, ack idempotent."""

from __future__ import annotations

from datetime import timedelta

from node.store import Store
from node.store.records import AckResult
from tests.integration.store.conftest import T0, audit_actions, message

B = "000.00.12.H41"
C = "000.00.13.H41"


async def test_pages_follow_the_cursor_oldest_first(store: Store) -> None:
    ids = []
    for i in range(5):
        m = message(inbox=((B, "dms-b"),), received_at=T0 + timedelta(seconds=i))
        await store.accept([m])
        ids.append(m.id)

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        items, cursor = await store.inbox([B], limit=2, after=cursor)
        seen.extend(i.id for i in items)
        if cursor is None:
            break
    assert seen == ids


async def test_only_the_callers_organs_are_listed(store: Store) -> None:
    mine = message(inbox=((B, "dms-b"),))
    theirs = message(inbox=((C, "dms-c"),))
    await store.accept([mine])
    await store.accept([theirs])
    items, _ = await store.inbox([B], limit=10, after=None)
    assert [i.id for i in items] == [mine.id]


async def test_a_message_to_two_of_my_organs_is_listed_once(store: Store) -> None:
    m = message(recipients=(B, C), inbox=((B, "dms"), (C, "dms")))
    await store.accept([m])
    items, _ = await store.inbox([B, C], limit=10, after=None)
    assert [(i.id, i.organ) for i in items] == [(m.id, B)]
    items, _ = await store.inbox([C], limit=10, after=None)
    assert [(i.id, i.organ) for i in items] == [(m.id, C)]


async def test_ack_removes_from_the_inbox_and_is_idempotent(store: Store) -> None:
    m = message(inbox=((B, "dms-b"),))
    await store.accept([m])

    assert await store.ack(m.id, [B], at=T0, actor="dms-b") is AckResult.ACKED
    assert await store.ack(m.id, [B], at=T0, actor="dms-b") is AckResult.ALREADY
    assert (await store.inbox([B], limit=10, after=None))[0] == ()
    assert await store.in_inbox_of(m.id, [B])
    assert await audit_actions(store) == [("accept", m.id), ("ack", m.id)], "the first ack only"


async def test_ack_by_someone_else_finds_nothing(store: Store) -> None:
    m = message(inbox=((B, "dms-b"),))
    await store.accept([m])
    assert await store.ack(m.id, [C], at=T0, actor="dms-c") is AckResult.NOT_FOUND
    assert await store.ack("no-such-message", [B], at=T0, actor="dms-b") is AckResult.NOT_FOUND
    assert not await store.in_inbox_of(m.id, [C])


async def test_recall_removes_the_unacked_document(store: Store) -> None:
    document = message(inbox=((B, "dms-b"),))
    await store.accept([document])
    recalled = message(
        document_id=document.document_id,
        sender=B,
        body=b"<status>15</status>",
        inbox_removals=((document.document_id, B),),
    )
    await store.accept([recalled])
    items, _ = await store.inbox([B], limit=10, after=None)
    assert document.id not in [i.id for i in items]


async def test_a_recall_withdraws_the_unacked_original_but_never_its_own_row(
    store: Store,
) -> None:
    """A recall document shares the original's DocumentId: its removals name that
    id, and its own inbox row, written in the same transaction, stays."""
    original = message(inbox=((B, "dms-b"), (C, "dms-c")))
    await store.accept([original])
    assert await store.ack(original.id, [C], at=T0, actor="dms-c") is AckResult.ACKED
    recall = message(
        document_id=original.document_id,
        body=b"<edXML>recall</edXML>",
        inbox=((B, "dms-b"), (C, "dms-c")),
        inbox_removals=((original.document_id, B), (original.document_id, C)),
    )
    await store.accept([recall])
    assert [i.id for i in (await store.inbox([B], limit=10, after=None))[0]] == [recall.id]
    assert [i.id for i in (await store.inbox([C], limit=10, after=None))[0]] == [recall.id]
    assert await store.in_inbox_of(original.id, [B])  # withdrawn, still readable
    assert await store.ack(original.id, [C], at=T0, actor="dms-c") is AckResult.ALREADY
