"""Readiness and the metrics snapshot the service exports."""

from __future__ import annotations

from datetime import timedelta

from tests.support.messages import document
from tests.unit.engine.conftest import STTTT, UBND, VPCP, Node


async def test_ready_while_the_store_answers(node: Node) -> None:
    assert await node.engine.readiness() == {"store": None}
    await node.store.close()
    checks = await node.engine.readiness()
    assert checks["store"] is not None
    assert "not open" in checks["store"]


async def test_snapshot_counts_queue_and_age(node: Node) -> None:
    data, _ = document(UBND, (STTTT, VPCP))
    await node.submit(data)
    node.clock.advance(timedelta(seconds=42))
    snapshot = await node.engine.metrics_snapshot()
    assert snapshot.messages_by_state == {"pending": 1, "stored": 1}
    assert (snapshot.queue_depth, snapshot.dead_letters) == (1, 0)
    assert snapshot.oldest_pending_seconds == 42.0
