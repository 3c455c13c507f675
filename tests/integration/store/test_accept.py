"""Accepting messages: all or nothing, bytes exactly as received, idempotent."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import pytest

from node.errors import StoreUnavailable
from node.model import MessageKind
from node.ports.driven import Direction, Hop
from node.store import Store
from node.store.records import MessageState, SearchFilter
from tests.integration.store.conftest import T0, Target, message, read_all


async def test_accepted_message_reads_back_exactly(store: Store) -> None:
    m = message(peers=(("peer-g22", ("000.00.00.G22",)),), inbox=(("000.00.12.H41", "dms-b"),))
    assert not (await store.accept([m])).duplicate

    record = await store.message(m.id)
    assert record is not None
    assert (record.document_id, record.sender, record.recipients) == (
        m.document_id,
        m.sender,
        m.recipients,
    )
    assert record.state is MessageState.PENDING
    assert await read_all(store, m.id, chunk_size=5) == m.body
    assert [d.destination.name for d in await store.deliveries(m.id)] == ["peer-g22"]
    assert await store.hops(m.id) == m.hops


async def test_a_message_that_crossed_several_nodes_keeps_its_hops_in_order(store: Store) -> None:
    trail = tuple(
        Hop(node, T0 + timedelta(seconds=i), direction)
        for i, (node, direction) in enumerate(
            [
                ("000.00.00.H41", Direction.IN),
                ("000.00.00.H41", Direction.OUT),
                ("000.00.00.A01", Direction.IN),
                ("000.00.00.A01", Direction.OUT),
            ]
        )
    )
    m = dataclasses.replace(message(), hops=trail)
    await store.accept([m])
    assert await store.hops(m.id) == trail


async def test_large_body_is_streamed_from_the_spool_file(store: Store, tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 12345)
    spool = tmp_path / "spool.bin"
    spool.write_bytes(data)
    m = message(body=spool)

    await store.accept([m])

    assert not spool.exists(), "the store takes ownership of the spooled body"
    body = await store.body(m.id)
    assert (body.size, body.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert await read_all(store, m.id, chunk_size=1 << 20) == data


async def test_empty_body_round_trips(store: Store) -> None:
    m = message(body=b"")
    await store.accept([m])
    assert await read_all(store, m.id) == b""


async def test_a_known_key_makes_the_whole_accept_a_duplicate(store: Store) -> None:
    first = message(keys=("doc|D|A|B",))
    again = message(keys=("doc|D|A|C", "doc|D|A|B"), body=b"other bytes")

    await store.accept([first])
    outcome = await store.accept([again])

    assert outcome.duplicate_of is not None
    assert outcome.duplicate_of.message_id == first.id
    assert outcome.duplicate_of.sha256 == first.sha256
    assert await store.message(again.id) is None
    assert await store.find_keys(["doc|D|A|C"]) == {}, "nothing of the duplicate is stored"


async def test_failed_accept_leaves_nothing_behind(store: Store, target: Target) -> None:
    good = message()
    clash = message(message_id=good.id, keys=("other-key",))  # same id: the insert fails

    with pytest.raises(StoreUnavailable):
        await store.accept([good, clash])

    assert await store.message(good.id) is None
    assert await store.find_keys(list(good.keys)) == {}
    page, _ = await store.search(SearchFilter(), limit=10, after=None)
    assert page == ()
    if target.sqlite_path is not None:
        blobs = target.sqlite_path.parent / "blobs"
        leftovers = [p for p in blobs.rglob("*") if p.is_file() and p.name != ".lock"]
        assert leftovers == []


async def test_batch_is_atomic_and_siblings_are_stored_together(store: Store) -> None:
    document = message()
    auto_status = message(kind=MessageKind.STATUS, document_id=document.document_id, body=b"<s/>")
    await store.accept([document, auto_status])
    assert await store.message(document.id) is not None
    assert await store.message(auto_status.id) is not None


async def test_reopening_keeps_everything(store: Store, open_store) -> None:  # type: ignore[no-untyped-def]
    m = message()
    await store.accept([m])
    await store.close()
    again = await open_store()
    assert await read_all(again, m.id) == m.body


@pytest.mark.parametrize("delay", [0.0, 0.001, 0.003, 0.01])
async def test_a_cancelled_accept_is_all_or_nothing(
    store: Store, target: Target, tmp_path: Path, delay: float
) -> None:
    data = os.urandom(4 << 20)
    spool = tmp_path / "big.bin"
    spool.write_bytes(data)
    m = message(body=spool)

    task = asyncio.create_task(store.accept([m]))
    await asyncio.sleep(delay)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

    for _ in range(250):  # the accept finishes on its own, shielded from the caller
        if await store.message(m.id) is not None:
            break
        if not spool.exists() and not _staged(target):
            break
        await asyncio.sleep(0.02)
    if await store.message(m.id) is not None:
        assert await read_all(store, m.id, chunk_size=1 << 20) == data
    else:
        assert not _staged(target), "nothing half-written"


def _staged(target: Target) -> list[Path]:
    if target.sqlite_path is None:
        return []
    return [p for p in (target.sqlite_path.parent / "blobs" / "incoming").iterdir()]
