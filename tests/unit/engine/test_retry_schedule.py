"""The retry schedule, driven by an injected clock and rng (no sleeping): each
retry is due when the policy says, and the delivery dies at max age."""

from __future__ import annotations

import random
from datetime import timedelta

from node.ports.driven import DeliveryOutcome, Outcome
from node.retry import RetryPolicy
from tests.unit.engine.conftest import T0, UBND, VPCP
from tests.unit.engine.messages import document

POLICY = RetryPolicy(
    initial=timedelta(seconds=5),
    multiplier=2.0,
    max_interval=timedelta(minutes=2),
    max_age=timedelta(minutes=30),
    jitter=0.25,
)


async def test_retries_follow_the_policy_until_max_age(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(retry=POLICY, rng=random.Random(7))
    expected_rng = random.Random(7)
    data, _ = document(UBND, (VPCP,))
    result = await node.submit(data)
    node.transport.outcome_for = lambda _d: DeliveryOutcome(Outcome.TRANSIENT, "timeout")

    schedule = []
    for attempts in range(1, 100):
        assert await node.engine.workers.run_once() == 1
        (d,) = await node.store.deliveries(result.id)
        expected = POLICY.next_attempt_at(
            attempts=attempts, created_at=T0, now=node.clock.now(), rng=expected_rng
        )
        if d.state.value == "dead":
            assert expected is None
            break
        assert d.next_attempt_at == expected
        schedule.append(d.next_attempt_at - node.clock.now())
        node.clock.set(d.next_attempt_at)

    assert d.state.value == "dead"
    assert len(d.attempts) == attempts
    assert schedule[0] <= POLICY.initial
    assert all(gap <= POLICY.max_interval for gap in schedule)
    assert schedule[3] > schedule[0], "backs off"
    assert node.clock.now() - T0 <= POLICY.max_age
