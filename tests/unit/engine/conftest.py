"""An engine on a real SQLite store (in memory: ``sqlite://:memory:``), with fake ports.

Topology: this node is 000.00.00.H41 (a province). Local organs:
000.00.00.H41 (client dms-ubnd) and 000.00.12.H41 (client dms-stttt).
Peers: vpcp for *.*.*.G22, axis by default.
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.engine import Engine, EngineSettings
from node.engine import context as engine_context
from node.model import MessageKind
from node.ports.api import DmsPrincipal, IncomingBody, PeerPrincipal, SubmitResult
from node.retry import RetryPolicy
from node.routing import RoutingTable
from node.store import store_from_url
from tests.support.clock import FakeClock
from tests.support.engine_fakes import FakeKeyRing, FakeTransport, FakeVerifier
from tests.support.messages import spooled

NODE = "000.00.00.H41"
UBND = "000.00.00.H41"
STTTT = "000.00.12.H41"
VPCP = "000.00.00.G22"
REMOTE = "000.00.00.G01"
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # Friday 10:00 in Vietnam

DMS_UBND = DmsPrincipal("dms-ubnd", frozenset({UBND}))
DMS_STTTT = DmsPrincipal("dms-stttt", frozenset({STTTT}))
PEER_VPCP = PeerPrincipal("vpcp", VPCP)


def routing(*, default: str | None = "axis") -> RoutingTable:
    return RoutingTable(
        local_organs={UBND: "dms-ubnd", STTTT: "dms-stttt"},
        routes=[("*.*.*.G22", "vpcp")],
        default_peer=default,
        node_organ=NODE,
    )


def settings(**overrides: Any) -> EngineSettings:
    values: dict[str, Any] = {
        "node_organ": NODE,
        "routing": routing(),
        "retry": RetryPolicy(
            initial=timedelta(seconds=10),
            max_interval=timedelta(minutes=10),
            max_age=timedelta(hours=1),
        ),
        "claim_batch": 50,
    }
    values.update(overrides)
    return EngineSettings(**values)


@dataclass
class Node:
    """One engine under test and its fakes."""

    engine: Engine
    clock: FakeClock
    transport: FakeTransport
    verifier: FakeVerifier
    keys: FakeKeyRing
    spool: Path

    @property
    def exchange(self):  # type: ignore[no-untyped-def]
        return self.engine.exchange

    @property
    def admin(self):  # type: ignore[no-untyped-def]
        return self.engine.admin

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.engine.store

    def body(self, data: bytes) -> IncomingBody:
        if IN_MEMORY and len(data) <= engine_context.SMALL_BYTES:  # as the HTTP spool does
            return IncomingBody(
                self.spool / "in-memory.body", len(data), hashlib.sha256(data).hexdigest(), data
            )
        return spooled(self.spool, data)

    async def submit(
        self,
        data: bytes,
        principal: DmsPrincipal = DMS_UBND,
        kind: MessageKind = MessageKind.DOCUMENT,
        **kw: Any,
    ) -> SubmitResult:
        return await self.engine.exchange.submit(
            self.body(data), principal=principal, kind=kind, **kw
        )

    async def deliver(self) -> int:
        """Run the workers until nothing is due now; the number of deliveries made."""
        total = 0
        for _ in range(20):
            n = await self.engine.workers.run_once()
            if n == 0:
                return total
            total += n
        raise AssertionError("deliveries keep coming")


@pytest.fixture
async def make_node(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    opened: list[Engine] = []
    counter = itertools.count()

    async def make(*, observer: Any = None, rng: Any = None, **overrides: Any) -> Node:
        root = tmp_path / f"node{next(counter)}"
        store = store_from_url("sqlite://:memory:")
        await store.open()
        clock = FakeClock(T0)
        transport = FakeTransport()
        verifier = FakeVerifier()
        keys = FakeKeyRing({NODE, STTTT})
        engine = Engine(
            settings(**overrides),
            store=store,
            keys=keys,
            verifier=verifier,
            transport=transport,
            clock=clock,
            observer=observer,
            rng=rng,
        )
        opened.append(engine)
        (root / "spool").mkdir(parents=True)  # the node's spool directory exists
        return Node(engine, clock, transport, verifier, keys, root / "spool")

    yield make
    for engine in opened:
        await engine.stop()
        await engine.store.close()


@pytest.fixture
async def node(make_node: Callable[..., Any]) -> Node:
    n: Node = await make_node()
    return n


IN_MEMORY = False
"""Node.body keeps a small body in memory, as the HTTP spool does (both_paths)."""


@pytest.fixture(params=["on-loop", "in-memory", "in-threads"])
def both_paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test three times: small messages checked on the event loop (the
    default, node.engine.context.SMALL_BYTES) from a spooled file, the same
    from bytes in memory (what the HTTP spool hands over for a small body), and
    every message in the worker threads, as a big one is. The answers must be
    the same."""
    if request.param == "in-threads":
        monkeypatch.setattr(engine_context, "SMALL_BYTES", -1)
    monkeypatch.setattr(sys.modules[__name__], "IN_MEMORY", request.param == "in-memory")
    return str(request.param)
