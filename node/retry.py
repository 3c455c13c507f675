"""When to try a delivery again: exponential backoff with jitter, a cap on the
interval and a maximum age after which the delivery is dead-lettered.

The delay before attempt ``k + 1`` (after ``k`` failed attempts) is::

    base  = min(initial × multiplier^(k−1), max_interval)
    delay = base × (1 − jitter × U),   U uniform in [0, 1) from the injected rng

Jitter is *proportional and downward only*: each delay lies in
``(base × (1 − jitter), base]``. So the cap is a hard cap, the first retry
never waits longer than ``initial``, and deliveries that failed together
(a peer down for a while) spread out instead of retrying in lock-step.

Pure arithmetic rather than tenacity's wait strategies: tenacity draws its
jitter from the global ``random`` module, so a schedule could not be
reproduced from a seeded generator, and it needs a RetryCallState we would
have to fake.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    initial: timedelta = timedelta(seconds=5)
    multiplier: float = 2.0
    max_interval: timedelta = timedelta(minutes=10)
    max_age: timedelta = timedelta(days=3)
    jitter: float = 0.2
    """Share of each delay that may be taken off at random, in [0, 1)."""

    def __post_init__(self) -> None:
        if self.initial <= timedelta(0):
            raise ValueError(f"retry initial must be positive, got {self.initial}")
        if not (math.isfinite(self.multiplier) and self.multiplier >= 1.0):
            raise ValueError(f"retry multiplier must be a number ≥ 1, got {self.multiplier}")
        if self.max_interval < self.initial:
            raise ValueError(
                f"retry max_interval ({self.max_interval}) must be at least initial "
                f"({self.initial})"
            )
        if self.max_age <= timedelta(0):
            raise ValueError(f"retry max_age must be positive, got {self.max_age}")
        if not (math.isfinite(self.jitter) and 0.0 <= self.jitter < 1.0):
            raise ValueError(f"retry jitter must be in [0, 1), got {self.jitter}")

    def base_delay(self, attempts: int) -> timedelta:
        """The delay after ``attempts`` (≥ 1) failed attempts, before jitter."""
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1 for a delay, got {attempts}")
        initial = self.initial.total_seconds()
        cap = self.max_interval.total_seconds()
        exponent = attempts - 1
        if self.multiplier > 1.0 and exponent > math.log(cap / initial, self.multiplier):
            return self.max_interval  # also keeps multiplier ** exponent from overflowing
        return min(timedelta(seconds=initial * self.multiplier**exponent), self.max_interval)

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """The jittered delay after ``attempts`` (≥ 1) failed attempts."""
        base = self.base_delay(attempts)
        return base * (1.0 - self.jitter * rng.random())

    def expires_at(self, created_at: datetime) -> datetime:
        """No attempt is scheduled after this instant."""
        return created_at + self.max_age

    def next_attempt_at(
        self, *, attempts: int, created_at: datetime, now: datetime, rng: random.Random
    ) -> datetime | None:
        """When to try next after ``attempts`` failed attempts (0: none yet, so now),
        or None when that would fall after ``created_at + max_age``: the delivery
        is then dead-lettered."""
        if attempts < 0:
            raise ValueError(f"attempts must not be negative, got {attempts}")
        for name, value in (("created_at", created_at), ("now", now)):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
        at = now if attempts == 0 else now + self.delay(attempts, rng)
        return at if at <= self.expires_at(created_at) else None
