"""Fakes for the engine's ports: clock, key ring, verifier, transport."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from node.ports.driven import (
    DeliveryOutcome,
    Destination,
    Outcome,
    StoredBody,
    TransferMeta,
    VerificationOutcome,
)

SIGNED_MARK = b"<!-- signed by "


class FakeSigner:
    """Appends a comment naming the organ (still well-formed XML); a key in
    memory (``in_process``: small messages are signed on the event loop)."""

    in_process = True

    def __init__(self, organ_id: str) -> None:
        self.organ_id = organ_id

    def sign(self, xml: bytes) -> bytes:
        return xml + SIGNED_MARK + self.organ_id.encode() + b" -->"


class FakeKeyRing:
    def __init__(self, organs: set[str]) -> None:
        self.organs = organs

    def signer_for(self, organ_id: str) -> FakeSigner | None:
        return FakeSigner(organ_id) if organ_id in self.organs else None


@dataclass
class FakeVerifier:
    accepted: bool = True
    reasons: tuple[str, ...] = ()
    calls: list[Path] = field(default_factory=list)

    def verify(self, path: Path, *, at: datetime | None = None) -> VerificationOutcome:
        self.calls.append(path)
        return VerificationOutcome(
            accepted=self.accepted,
            reasons=self.reasons,
            signer_organs=("000.00.00.G22",),
            report={"signatures": 1, "fake": True},
        )

    async def averify(self, path: Path, *, at: datetime | None = None) -> VerificationOutcome:
        """:meth:`verify` (a test that replaces ``verify`` changes both)."""
        return self.verify(path, at=at)


@dataclass(frozen=True)
class Sent:
    destination: Destination
    meta: TransferMeta
    body: bytes


class FakeTransport:
    """Records every send; answers with ``outcome_for(destination)`` (default:
    delivered). ``raise_for`` destinations make send raise instead."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.outcome_for: Callable[[Destination], DeliveryOutcome] = lambda _d: DeliveryOutcome(
            Outcome.DELIVERED, "202 Accepted", 202
        )
        self.raise_for: set[str] = set()
        self.arrived = asyncio.Event()
        self.gate: asyncio.Event | None = None
        """When set, send waits for it (to hold deliveries in flight)."""

    async def send(
        self, destination: Destination, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        data = b"".join([chunk async for chunk in body.chunks(1 << 16)])
        self.sent.append(Sent(destination, meta, data))
        self.arrived.set()
        if self.gate is not None:
            await self.gate.wait()
        if destination.name in self.raise_for:
            raise ConnectionResetError("peer hung up")
        return self.outcome_for(destination)

    def to(self, name: str) -> list[Sent]:
        return [s for s in self.sent if s.destination.name == name]
