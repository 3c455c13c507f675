"""Observability hook: the engine reports what happens; the service maps it to
Prometheus (the engine itself imports no metrics library)."""

from __future__ import annotations

from typing import Protocol

from node.model import MessageKind
from node.ports.driven import Destination, Outcome
from node.store.records import Source


class EngineObserver(Protocol):
    def on_accept(self, kind: MessageKind, source: Source, *, duplicate: bool) -> None:
        """A message was stored (or recognised as a duplicate)."""
        ...

    def on_refuse(self, source: Source, error_kind: str) -> None:
        """A submission or transfer was refused (``error_kind`` is LienthongError.kind)."""
        ...

    def on_attempt(self, destination: Destination, outcome: Outcome, seconds: float) -> None:
        """One delivery attempt finished after ``seconds``."""
        ...

    def on_dead_letter(self, destination: Destination, reason: str) -> None: ...

    def on_lease_lost(self, delivery_id: str) -> None:
        """A worker finished a delivery whose lease another worker had taken over."""
        ...


class NoopObserver:
    def on_accept(self, kind: MessageKind, source: Source, *, duplicate: bool) -> None:
        pass

    def on_refuse(self, source: Source, error_kind: str) -> None:
        pass

    def on_attempt(self, destination: Destination, outcome: Outcome, seconds: float) -> None:
        pass

    def on_dead_letter(self, destination: Destination, reason: str) -> None:
        pass

    def on_lease_lost(self, delivery_id: str) -> None:
        pass
