"""The audit log is a hash chain: any edit, insertion or deletion is detected."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from node.errors import StoreUnavailable
from node.model import MessageKind
from node.ports.api import AttemptView
from node.ports.driven import Outcome
from node.store import Store
from node.store.audit import GENESIS
from node.store.records import NewAuditEntry, NewCheckpoint, NewMessage, NewStatusEntry
from tests.integration.store.conftest import LEASE, T0, Target, message


async def _three(store: Store) -> None:
    for i, action in enumerate(("resend", "dead-letter", "refuse")):
        await store.append_audit(
            NewAuditEntry(T0 + timedelta(seconds=i), "alice", action, f"m{i}", {"n": i, "why": "ý"})
        )


async def test_an_intact_chain_verifies(store: Store) -> None:
    await _three(store)
    check = await store.verify_audit()
    assert (check.entries, check.intact, check.first_bad_entry) == (3, True, None)
    entries = await store.audit_entries(limit=10, after=None)
    assert [e.action for e in entries] == ["resend", "dead-letter", "refuse"]
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].details == {"n": 2, "why": "ý"}


async def test_an_empty_log_is_intact(store: Store) -> None:
    assert (await store.verify_audit()).intact


async def test_an_edited_entry_is_found(store: Store, target: Target) -> None:
    await _three(store)
    await target.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    check = await store.verify_audit()
    assert (check.intact, check.first_bad_entry) == (False, 2)


async def test_a_deleted_entry_is_found(store: Store, target: Target) -> None:
    await _three(store)
    await target.execute("DELETE FROM audit_log WHERE seq = 2")
    check = await store.verify_audit()
    assert (check.intact, check.first_bad_entry) == (False, 3)


# --------------------------------------------------------------------------- what the stores record


async def test_accept_records_the_message_and_its_status_lines(store: Store) -> None:
    status = NewStatusEntry("D1", "000.00.12.H41", "03", T0, "đã tiếp nhận")
    m = message(kind=MessageKind.STATUS, status_code="03", statuses=(status,), body=b"<s/>")
    await store.accept([m])

    accepted, recorded = await store.audit_entries(limit=10, after=None)
    assert (accepted.action, accepted.subject, accepted.actor) == ("accept", m.id, "dms:dms-a")
    assert accepted.details["sha256"] == m.sha256
    assert accepted.details["status_code"] == "03"
    assert (recorded.action, recorded.subject) == ("record-status", "D1")
    assert recorded.details["code"] == "03"
    assert recorded.details["message"] == m.id


async def test_a_duplicate_accept_records_nothing(store: Store) -> None:
    first = message(keys=("k",))
    await store.accept([first])
    assert (await store.accept([message(keys=("k",))])).duplicate
    assert [e.subject for e in await store.audit_entries(limit=10, after=None)] == [first.id]


async def test_a_message_whose_audit_entry_cannot_be_written_is_not_stored(
    store: Store, target: Target
) -> None:
    if target.sqlite_path is not None:
        await target.execute(
            "CREATE TRIGGER audit_full BEFORE INSERT ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit log full'); END"
        )
    else:
        await target.execute(
            "ALTER TABLE audit_log ADD CONSTRAINT audit_full CHECK (seq < 0) NOT VALID"
        )
    m = message()

    with pytest.raises(StoreUnavailable):
        await store.accept([m])

    assert await store.message(m.id) is None, "the state change and its entry: both or neither"
    assert await store.find_keys(list(m.keys)) == {}


async def test_a_delivery_made_is_recorded_as_relay_or_deliver(store: Store) -> None:
    m = message(peers=(("node-b", ("000.00.00.G22",)),))
    await store.accept([m])
    (c,) = await store.claim_due_deliveries(owner="w1", now=T0, lease=LEASE, limit=5)
    assert await store.mark_delivered(
        c.id, owner="w1", attempt=AttemptView(T0, Outcome.DELIVERED, "202"), hop=None
    )
    relay = (await store.audit_entries(limit=10, after=None))[-1]
    assert (relay.action, relay.subject) == ("relay", m.id)
    assert relay.details == {"delivery": c.id, "destination": "peer node-b", "worker": "w1"}


async def test_a_lost_lease_records_no_delivery(store: Store) -> None:
    m = message(peers=(("node-b", ("000.00.00.G22",)),))
    await store.accept([m])
    (c,) = await store.claim_due_deliveries(owner="w1", now=T0, lease=LEASE, limit=5)
    attempt = AttemptView(T0, Outcome.DELIVERED, "202")
    assert not await store.mark_delivered(c.id, owner="w2", attempt=attempt, hop=None)
    assert [e.action for e in await store.audit_entries(limit=10, after=None)] == ["accept"]


async def test_appends_from_several_store_instances_form_one_chain(
    open_store: Callable[[], Awaitable[Store]],
) -> None:
    """Two processes on one database (PostgreSQL: advisory lock; SQLite: BEGIN
    IMMEDIATE): concurrent accepts and acks never fork or gap the chain."""
    one, two = await open_store(), await open_store()
    messages = [message(inbox=(("000.00.12.H41", "dms-b"),)) for _ in range(12)]

    async def work(store: Store, batch: list[NewMessage]) -> None:
        for m in batch:
            await store.accept([m])
            await store.ack(m.id, ["000.00.12.H41"], at=T0, actor="dms-b")

    await asyncio.gather(work(one, messages[::2]), work(two, messages[1::2]))

    check = await one.verify_audit()
    assert (check.intact, check.entries) == (True, 24)
    assert await one.audit_head() == await two.audit_head()
    entries = await two.audit_entries(limit=100, after=None)
    assert [e.seq for e in entries] == list(range(1, 25))


async def test_last_audit_entry_of_an_action(store: Store) -> None:
    assert await store.last_audit_entry("config-change") is None
    await store.append_audit(NewAuditEntry(T0, "node", "config-change", "node", {"sha256": "a"}))
    await store.append_audit(NewAuditEntry(T0, "node", "resend", "m"))
    await store.append_audit(NewAuditEntry(T0, "node", "config-change", "node", {"sha256": "b"}))
    last = await store.last_audit_entry("config-change")
    assert last is not None
    assert (last.seq, last.details) == (3, {"sha256": "b"})


# --------------------------------------------------------------------------- checkpoints


def _checkpoint(entries: int, head: str, **extra: object) -> NewCheckpoint:
    fields: dict[str, Any] = {
        "at": T0,
        "entries": entries,
        "head": head,
        "reason": "interval",
        "payload": f'{{"entries":{entries}}}',
        "signature": "c2ln",
        "algorithm": "rsa-sha256",
        "certificates": "-----BEGIN CERTIFICATE-----\n...",
    }
    fields.update(extra)
    return NewCheckpoint(**fields)


async def test_checkpoints_are_kept_in_order(store: Store) -> None:
    assert await store.audit_head() == (0, GENESIS)
    assert await store.last_checkpoint() is None
    await _three(store)
    count, head = await store.audit_head()
    assert count == 3
    assert head == (await store.audit_entries(limit=5, after=2))[0].hash

    first = await store.add_checkpoint(_checkpoint(2, "h2", timestamp_error="TSA down"))
    second = await store.add_checkpoint(_checkpoint(count, head, timestamp="dHN0"))

    assert second > first
    stored = await store.checkpoints(limit=10, after=None)
    assert [(c.id, c.entries, c.head) for c in stored] == [(first, 2, "h2"), (second, 3, head)]
    assert (stored[0].timestamp, stored[0].timestamp_error) == (None, "TSA down")
    assert (stored[1].timestamp, stored[1].at) == ("dHN0", T0)
    assert await store.checkpoints(limit=10, after=first) == (stored[1],)
    assert await store.last_checkpoint() == stored[1]
