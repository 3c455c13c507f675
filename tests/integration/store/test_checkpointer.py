"""The checkpointer on both stores, with the node's real signing key and a
local RFC 3161 TSA on 127.0.0.1: checkpoints are signed and timestamped, a
failing TSA is handled by policy (open / closed), and an auditor's check of
the stored chain finds a cut tail and a recomputed chain."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.checkpoints import check_export
from node.engine.checkpoints import (
    AuditUnavailable,
    ChangeRecord,
    Checkpointer,
    GatedExchange,
    TsaPolicy,
)
from node.modes import RevocationMode
from node.ports.api import IncomingBody
from node.store import Store
from node.store.audit import entry_hash
from node.store.records import NewAuditEntry
from signing.auditsign import CheckpointChecker, KeyCheckpointSigner, Rfc3161Timestamper
from signing.keys import load_certificates, load_private_key
from signing.pki import TestPki, make_test_pki
from signing.policy import VerificationPolicy
from signing.trust import load_material
from tests.integration.store.conftest import Target, message
from tests.support.tsa import LocalTsa, local_tsa

NODE = "000.00.00.H41"


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at


class Observed:
    def __init__(self) -> None:
        self.events: list[tuple[str, bool]] = []

    def on_checkpoint(self, *, timestamped: bool) -> None:
        self.events.append(("checkpoint", timestamped))

    def on_tsa(self, *, up: bool) -> None:
        self.events.append(("tsa", up))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"), [NODE])


@pytest.fixture
async def tsa(pki: TestPki) -> AsyncIterator[LocalTsa]:
    async with local_tsa(pki.directory) as running:
        yield running


def signer(pki: TestPki) -> KeyCheckpointSigner:
    organ = pki.organ(NODE)
    key = load_private_key(organ.key.read_bytes(), None, source="test")
    return KeyCheckpointSigner(key, load_certificates(organ.cert))


def checkpointer(store: Store, pki: TestPki, tsa: LocalTsa | None, **options: Any) -> Checkpointer:
    return Checkpointer(
        store=store,
        signer=signer(pki),
        clock=options.pop("clock", Clock()),
        node=NODE,
        interval=timedelta(hours=1),
        timestamper=Rfc3161Timestamper(tsa.url, timeout=5) if tsa else None,
        **options,
    )


async def audit(store: Store, pki: TestPki) -> Any:
    """What `lienthong audit verify` concludes about the store's chain."""
    entries = await store.audit_entries(limit=1000, after=None)
    checkpoints = await store.checkpoints(limit=1000, after=None)
    policy = VerificationPolicy(trust_dir=pki.directory, revocation=RevocationMode.HARD_FAIL)
    checker = CheckpointChecker(policy, load_material(pki.directory, ()))
    facts = {c.id: await checker.check(c, json.loads(c.payload)) for c in checkpoints}
    return check_export(entries, checkpoints, lambda c, _d: facts[c.id])


async def test_a_timestamped_checkpoint_verifies(store: Store, pki: TestPki, tsa: LocalTsa) -> None:
    await store.accept([message(), message()])
    observed = Observed()
    made = await checkpointer(store, pki, tsa, observer=observed).checkpoint("interval")

    assert made is not None
    assert (made.entries, made.timestamp_error) == (2, None)
    assert made.timestamp is not None
    assert observed.events == [("tsa", True), ("checkpoint", True)]
    findings = await audit(store, pki)
    assert findings.ok, findings.problems
    assert findings.covered == 2
    (finding,) = findings.checkpoints
    assert finding.timestamp is not None
    assert finding.signer is not None
    assert NODE in finding.signer


async def test_an_unchanged_head_is_not_checkpointed_twice(
    store: Store, pki: TestPki, tsa: LocalTsa
) -> None:
    await store.accept([message()])
    cp = checkpointer(store, pki, tsa)
    assert await cp.checkpoint("start") is not None
    assert await cp.checkpoint("interval") is None
    await store.accept([message()])
    again = await cp.checkpoint("shutdown")
    assert again is not None
    assert again.entries == 2
    assert (await audit(store, pki)).ok


async def test_a_cut_tail_and_a_recomputed_chain_are_found(
    store: Store, target: Target, pki: TestPki
) -> None:
    await store.accept([message(), message(), message()])
    await checkpointer(store, pki, None).checkpoint("interval")
    assert (await audit(store, pki)).ok
    entries = list(await store.audit_entries(limit=10, after=None))

    await target.execute("DELETE FROM audit_log WHERE seq = 3")
    cut = await audit(store, pki)
    assert not cut.ok
    assert any("missing tail: it covers 3 entries, the export holds 2" in p for p in cut.problems)

    # rewrite entry 1 and recompute every hash after it: the chain is intact again...
    await target.execute("DELETE FROM audit_log")
    prev = "0" * 64
    for e in entries:
        actor = "mallory" if e.seq == 1 else e.actor
        digest = entry_hash(
            seq=e.seq,
            at=e.at,
            actor=actor,
            action=e.action,
            subject=e.subject,
            details=e.details,
            prev_hash=prev,
        )
        await store.append_audit(NewAuditEntry(e.at, actor, e.action, e.subject, e.details))
        prev = digest
    assert (await store.verify_audit()).intact
    # ...but not the one the node signed
    rewritten = await audit(store, pki)
    assert any("entry 3 is not the one signed" in p for p in rewritten.problems)


async def test_tsa_failing_with_policy_open_stores_an_untimestamped_checkpoint(
    store: Store, pki: TestPki, tsa: LocalTsa
) -> None:
    await store.accept([message()])
    tsa.failing = True
    observed = Observed()
    cp = checkpointer(store, pki, tsa, tsa_policy=TsaPolicy.OPEN, observer=observed)

    made = await cp.checkpoint("interval")

    assert made is not None
    assert made.timestamp is None
    assert made.timestamp_error is not None
    assert "TSA failed" in made.timestamp_error
    assert cp.readiness() is None, "policy open: the node stays ready"
    assert cp.tsa_problem is not None
    assert observed.events == [("tsa", False), ("checkpoint", False)]
    findings = await audit(store, pki)
    assert findings.ok
    assert any("not timestamped" in w for w in findings.checkpoints[0].warnings)

    tsa.failing = False
    again = await cp.checkpoint("interval")
    assert again is not None
    assert again.timestamp is not None, "timestamped once the TSA is back"
    assert cp.tsa_problem is None


async def test_tsa_failing_with_policy_closed_refuses_messages_until_it_answers(
    store: Store, pki: TestPki, tsa: LocalTsa, tmp_path: Path
) -> None:
    await store.accept([message()])
    tsa.failing = True
    cp = checkpointer(store, pki, tsa, tsa_policy=TsaPolicy.CLOSED)

    assert await cp.checkpoint("interval") is None
    assert await store.last_checkpoint() is None, "nothing untimestamped is stored"
    problem = cp.readiness()
    assert problem is not None
    assert "tsa_policy = closed" in problem

    class Inner:
        calls = 0

        async def submit(self, *_: object, **__: object) -> None:
            Inner.calls += 1

    spooled = tmp_path / "body"
    spooled.write_bytes(b"<edXML/>")
    gated = GatedExchange(Inner(), cp)  # type: ignore[arg-type]
    with pytest.raises(AuditUnavailable) as refused:
        await gated.submit(
            IncomingBody(spooled, 8, "x"),
            principal=None,
            kind=None,  # type: ignore[arg-type]
        )
    assert refused.value.http_status == 503
    assert Inner.calls == 0
    assert not spooled.exists(), "the refused body is not left behind"

    tsa.failing = False
    made = await cp.checkpoint("interval")
    assert made is not None
    assert made.timestamp is not None
    assert cp.readiness() is None
    again = IncomingBody(spooled, 8, "x")
    await gated.submit(again, principal=None, kind=None)  # type: ignore[arg-type]
    assert Inner.calls == 1


async def test_config_and_key_changes_are_recorded_when_they_differ(
    store: Store, pki: TestPki
) -> None:
    facts = [
        ChangeRecord("config-change", {"sha256": "a" * 64}),
        ChangeRecord("key-change", {"checkpoint_signer": "f1", "organs": {NODE: "c1"}}),
    ]
    first = checkpointer(store, pki, None, changes=facts)
    await first.start()
    await first.stop()
    actions = [e.action for e in await store.audit_entries(limit=10, after=None)]
    assert actions == ["config-change", "key-change"]

    same = checkpointer(store, pki, None, changes=facts)
    await same.start()
    await same.stop()
    assert len(await store.audit_entries(limit=10, after=None)) == 2, "nothing changed"

    rotated = [facts[0], ChangeRecord("key-change", {"checkpoint_signer": "f2", "organs": {}})]
    node = checkpointer(store, pki, None, changes=rotated)
    await node.start()
    await asyncio.sleep(0)
    await node.stop()
    entries = await store.audit_entries(limit=10, after=None)
    assert [e.action for e in entries] == ["config-change", "key-change", "key-change"]
    assert entries[-1].details["checkpoint_signer"] == "f2"
    reasons = [c.reason for c in await store.checkpoints(limit=10, after=None)]
    assert reasons[0] == "start"
    assert (await audit(store, pki)).ok


async def test_two_processes_checkpoint_one_chain(
    open_store: Callable[[], Awaitable[Store]], pki: TestPki, tsa: LocalTsa
) -> None:
    """Each process signs the shared chain's head; the checkpoints of both
    verify together, whichever order they were made in."""
    one, two = await open_store(), await open_store()
    first, second = checkpointer(one, pki, tsa), checkpointer(two, pki, tsa)
    for i in range(3):
        await (one if i % 2 else two).accept([message()])
        await asyncio.gather(first.checkpoint("interval"), second.checkpoint("interval"))
    made = await one.checkpoints(limit=20, after=None)
    assert len(made) >= 3
    findings = await audit(two, pki)
    assert findings.ok, findings.problems
    assert findings.covered == 3
