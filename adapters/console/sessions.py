"""Console sign-in sessions and the brake on failed sign-ins.

Sessions live in this process's memory, not in the store: they are short
(idle and absolute limits below), a restart that signs people out costs one
sign-in, and keeping them out of the database means session ids and CSRF
tokens never reach its backups or replicas, and reading a page writes
nothing to the exchange's store. The cost: several ``serve`` processes behind
one address need sticky routing for ``/console/`` (each knows only its own
sessions).

The cookie carries a random id (256 bits); the table is keyed by its SHA-256,
so what is held in memory cannot be replayed as a cookie from a dump. Each
session has its own CSRF token, sent back in every form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from node.modes import AdminRole
from node.ports.api import AdminPrincipal
from node.ports.driven import Clock

IDLE = timedelta(minutes=30)
"""A session unused this long is gone."""
ABSOLUTE = timedelta(hours=8)
"""No session outlives a working day, however busy."""
MAX_SESSIONS = 1000
"""Beyond this the least recently used session is dropped (memory is bounded)."""


@dataclass
class Session:
    principal: AdminPrincipal
    csrf: str
    created: datetime
    last_seen: datetime

    @property
    def can_act(self) -> bool:
        """Operators act (resend); auditors only read."""
        return self.principal.role is AdminRole.OPERATOR

    def expires_at(self) -> datetime:
        return min(self.last_seen + IDLE, self.created + ABSOLUTE)

    def csrf_ok(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(
            presented.encode("utf-8"), self.csrf.encode("utf-8")
        )


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class SessionStore:
    def __init__(self, clock: Clock, *, limit: int = MAX_SESSIONS) -> None:
        self._clock = clock
        self._limit = limit
        self._sessions: dict[str, Session] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, principal: AdminPrincipal) -> tuple[str, Session]:
        """A new session for ``principal``: (the cookie value, the session)."""
        now = self._clock.now()
        self._sweep(now)
        while len(self._sessions) >= self._limit:
            oldest = min(self._sessions, key=lambda k: self._sessions[k].last_seen)
            del self._sessions[oldest]
        session_id = secrets.token_urlsafe(32)
        session = Session(principal, secrets.token_urlsafe(32), now, now)
        self._sessions[_key(session_id)] = session
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        """The live session for a cookie value (its idle clock restarts), else None."""
        if not session_id:
            return None
        key = _key(session_id)
        session = self._sessions.get(key)
        if session is None:
            return None
        now = self._clock.now()
        if now >= session.expires_at():
            del self._sessions[key]
            return None
        session.last_seen = now
        return session

    def end(self, session_id: str | None) -> None:
        if session_id:
            self._sessions.pop(_key(session_id), None)

    def _sweep(self, now: datetime) -> None:
        for key in [k for k, s in self._sessions.items() if now >= s.expires_at()]:
            del self._sessions[key]


class SignInThrottle:
    """At most ``failures`` failed sign-ins per client address per ``window``;
    beyond that sign-in is refused (even with a good token) until the oldest
    failure leaves the window. Bounded: ``max_clients`` addresses tracked."""

    def __init__(
        self,
        clock: Clock,
        *,
        failures: int = 5,
        window: timedelta = timedelta(minutes=1),
        max_clients: int = 10_000,
    ) -> None:
        self._clock = clock
        self._failures = failures
        self._window = window
        self._max_clients = max_clients
        self._seen: dict[str, deque[datetime]] = {}

    def wait(self, client: str) -> timedelta | None:
        """How long ``client`` must wait before trying again, or None."""
        now = self._clock.now()
        recent = self._recent(client, now)
        if recent is None or len(recent) < self._failures:
            return None
        return recent[0] + self._window - now

    def failed(self, client: str) -> None:
        now = self._clock.now()
        recent = self._recent(client, now)
        if recent is None:
            if len(self._seen) >= self._max_clients:
                self._prune(now)
            recent = self._seen[client] = deque(maxlen=self._failures)
        recent.append(now)

    def succeeded(self, client: str) -> None:
        self._seen.pop(client, None)

    def _recent(self, client: str, now: datetime) -> deque[datetime] | None:
        recent = self._seen.get(client)
        if recent is None:
            return None
        while recent and recent[0] + self._window <= now:
            recent.popleft()
        if not recent:
            del self._seen[client]
            return None
        return recent

    def _prune(self, now: datetime) -> None:
        for client in list(self._seen):
            self._recent(client, now)
        while len(self._seen) >= self._max_clients:
            del self._seen[next(iter(self._seen))]
