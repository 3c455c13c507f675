"""The observer hears about accepts, refusals, attempts and dead letters."""

from __future__ import annotations

from typing import Any

import pytest

from node.errors import Forbidden
from node.model import MessageKind
from node.ports.driven import DeliveryOutcome, Destination, Outcome
from node.store.records import Source
from tests.unit.engine.conftest import DMS_STTTT, STTTT, UBND, VPCP
from tests.unit.engine.messages import document


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_accept(self, kind: MessageKind, source: Source, *, duplicate: bool) -> None:
        self.events.append(("accept", kind.value, source.value, duplicate))

    def on_refuse(self, source: Source, error_kind: str) -> None:
        self.events.append(("refuse", source.value, error_kind))

    def on_attempt(self, destination: Destination, outcome: Outcome, seconds: float) -> None:
        assert seconds >= 0
        self.events.append(("attempt", destination.name, outcome.value))

    def on_dead_letter(self, destination: Destination, reason: str) -> None:
        self.events.append(("dead", destination.name, reason))

    def on_lease_lost(self, delivery_id: str) -> None:
        self.events.append(("lease-lost", delivery_id))


async def test_events_follow_the_message(make_node) -> None:  # type: ignore[no-untyped-def]
    recorder = Recorder()
    node = await make_node(observer=recorder)
    data, _ = document(UBND, (STTTT, VPCP))
    await node.submit(data)
    await node.submit(data)
    with pytest.raises(Forbidden):
        await node.submit(data, principal=DMS_STTTT)
    node.transport.outcome_for = lambda _d: DeliveryOutcome(Outcome.PERMANENT, "410 gone", 410)
    await node.deliver()

    assert recorder.events == [
        ("accept", "document", "dms", False),
        ("accept", "status", "node", False),
        ("accept", "document", "dms", True),
        ("refuse", "dms", "forbidden"),
        ("attempt", "vpcp", "permanent"),
        ("dead", "vpcp", "410 gone"),
    ]
