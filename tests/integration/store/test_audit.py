"""The audit log is a hash chain: any edit, insertion or deletion is detected."""

from __future__ import annotations

from datetime import timedelta

from node.store import Store
from node.store.records import NewAuditEntry
from tests.integration.store.conftest import T0, Target


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
