"""Retry schedule: exponential backoff, downward proportional jitter, a cap on
the interval and a maximum age. Time is injected; nothing sleeps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.retry import RetryPolicy

T0 = datetime(2024, 9, 4, 1, 0, tzinfo=UTC)
S = timedelta(seconds=1)
US = timedelta(microseconds=1)


def schedule(policy: RetryPolicy, seed: int = 7, limit: int = 10_000) -> list[datetime]:
    """Every attempt time of a delivery that always fails, starting at T0 with the
    clock always at the moment of the previous attempt."""
    rng = random.Random(seed)
    times: list[datetime] = []
    now = T0
    for attempts in range(limit):
        at = policy.next_attempt_at(attempts=attempts, created_at=T0, now=now, rng=rng)
        if at is None:
            return times
        times.append(at)
        now = at
    raise AssertionError("the schedule did not end")


def test_without_jitter_the_delays_double_up_to_the_cap() -> None:
    policy = RetryPolicy(jitter=0.0)
    times = schedule(policy)
    delays = [(b - a) / S for a, b in pairwise(times)]
    assert delays[:9] == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    assert set(delays[7:]) == {600}


def test_first_attempt_is_immediate() -> None:
    policy = RetryPolicy()
    now = T0 + timedelta(hours=1)
    rng = random.Random(1)
    assert policy.next_attempt_at(attempts=0, created_at=T0, now=now, rng=rng) == now


def test_schedule_is_increasing_capped_and_ends_within_max_age() -> None:
    policy = RetryPolicy()
    times = schedule(policy)
    assert all(b > a for a, b in pairwise(times))
    assert all(b - a <= policy.max_interval for a, b in pairwise(times))
    assert times[-1] <= T0 + policy.max_age
    assert times[-1] > T0 + policy.max_age - policy.max_interval  # it kept trying to the end
    # 3 days of mostly 8-10 minute waits
    assert 432 <= len(times) <= 540


def test_same_seed_same_schedule_other_seed_other_schedule() -> None:
    policy = RetryPolicy()
    assert schedule(policy, seed=3) == schedule(policy, seed=3)
    assert schedule(policy, seed=3) != schedule(policy, seed=4)


def test_jitter_only_shortens_the_delay() -> None:
    policy = RetryPolicy(jitter=0.2)
    rng = random.Random(11)
    for attempts in range(1, 40):
        base = policy.base_delay(attempts)
        for _ in range(50):
            delay = policy.delay(attempts, rng)
            assert base * 0.8 - US <= delay <= base


class Fixed(random.Random):
    """An rng whose draws are all ``value``."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def test_jitter_extremes() -> None:
    policy = RetryPolicy(jitter=0.25)
    assert policy.delay(1, Fixed(0.0)) == 5 * S
    assert policy.delay(1, Fixed(0.5)) == timedelta(seconds=4.375)
    assert policy.delay(50, Fixed(0.999999)) > timedelta(minutes=7.5)


def test_expiry_is_exact() -> None:
    policy = RetryPolicy(initial=10 * S, max_age=timedelta(minutes=1), jitter=0.0)
    created = T0
    rng = random.Random(0)
    last_moment = created + timedelta(seconds=50)  # + 10 s lands exactly at max age
    assert policy.expires_at(created) == created + timedelta(minutes=1)
    at = policy.next_attempt_at(attempts=1, created_at=created, now=last_moment, rng=rng)
    assert at == created + timedelta(minutes=1)
    too_late = policy.next_attempt_at(attempts=1, created_at=created, now=last_moment + US, rng=rng)
    assert too_late is None


def test_first_attempt_of_an_expired_delivery_is_refused_too() -> None:
    policy = RetryPolicy(max_age=timedelta(hours=1))
    now = T0 + timedelta(hours=2)
    assert policy.next_attempt_at(attempts=0, created_at=T0, now=now, rng=Fixed(0)) is None


def test_huge_attempt_counts_stay_at_the_cap() -> None:
    policy = RetryPolicy()
    assert policy.base_delay(10**6) == policy.max_interval
    assert RetryPolicy(multiplier=1.0).base_delay(10**6) == 5 * S


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"initial": timedelta(0)}, "retry initial must be positive"),
        ({"multiplier": 0.5}, "retry multiplier must be a number ≥ 1"),
        ({"multiplier": float("nan")}, "retry multiplier must be a number ≥ 1"),
        ({"max_interval": timedelta(seconds=1)}, r"retry max_interval \(0:00:01\) must be"),
        ({"max_age": -S}, "retry max_age must be positive"),
        ({"jitter": 1.0}, r"retry jitter must be in \[0, 1\)"),
        ({"jitter": -0.1}, r"retry jitter must be in \[0, 1\)"),
    ],
)
def test_bad_policies_are_refused_naming_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_bad_arguments_are_refused() -> None:
    policy = RetryPolicy()
    rng = random.Random(0)
    with pytest.raises(ValueError, match="attempts must not be negative"):
        policy.next_attempt_at(attempts=-1, created_at=T0, now=T0, rng=rng)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        policy.next_attempt_at(attempts=1, created_at=T0, now=datetime(2024, 9, 4), rng=rng)
    with pytest.raises(ValueError, match="attempts must be at least 1"):
        policy.base_delay(0)


policies = st.builds(
    RetryPolicy,
    initial=st.timedeltas(timedelta(milliseconds=1), timedelta(minutes=5)),
    multiplier=st.floats(1.0, 10.0),
    max_interval=st.timedeltas(timedelta(minutes=5), timedelta(hours=6)),
    max_age=st.timedeltas(timedelta(seconds=1), timedelta(days=30)),
    jitter=st.floats(0.0, 0.99),
)


@given(policies, st.integers(1, 200), st.integers(0, 2**32))
def test_delays_are_bounded_and_bases_never_shrink(
    policy: RetryPolicy, attempts: int, seed: int
) -> None:
    base = policy.base_delay(attempts)
    assert policy.initial <= base <= policy.max_interval
    assert policy.base_delay(attempts + 1) >= base
    delay = policy.delay(attempts, random.Random(seed))
    assert base * (1 - policy.jitter) - US <= delay <= base
    assert delay > timedelta(0)


@given(
    policies, st.integers(0, 200), st.timedeltas(timedelta(0), timedelta(days=40)), st.integers()
)
def test_next_attempt_is_after_now_and_never_after_max_age(
    policy: RetryPolicy, attempts: int, age: timedelta, seed: int
) -> None:
    now = T0 + age
    at = policy.next_attempt_at(attempts=attempts, created_at=T0, now=now, rng=random.Random(seed))
    expected = now if attempts == 0 else now + policy.delay(attempts, random.Random(seed))
    if expected <= T0 + policy.max_age:
        assert at == expected
    else:
        assert at is None
    if at is not None:
        assert now <= at <= T0 + policy.max_age
