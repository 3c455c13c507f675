"""The one fake clock: the node's ``Clock`` port, standing still until a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
"""The instant a clock stands at unless told otherwise (a Friday, 10:00 in Hà Nội)."""


class FakeClock:
    """Answers ``now()`` with ``instant``; ``advance``/``set`` (or assigning
    ``instant``) move it. ``FakeClock(datetime.now(UTC))`` for tests whose other
    side checks real time (HMAC timestamps, TSA tokens)."""

    def __init__(self, instant: datetime = NOW) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta

    def set(self, instant: datetime) -> None:
        self.instant = instant
