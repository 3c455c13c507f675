"""Driven ports: what the core needs from the outside world.

The engine calls these; adapters/ and signing/ implement them (a clock, the
stored bytes of a message, signing and verifying, handing a message to a peer
or a local DMS endpoint, and the metadata that travels beside the bytes). Only
plain data crosses a port: frozen dataclasses defined here or in
:mod:`node.model`, never framework objects. The other direction, the API the
adapters call, is :mod:`node.ports.api`.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from node.model import MessageKind

# --------------------------------------------------------------------------- time


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


# --------------------------------------------------------------------------- bodies


class StoredBody(Protocol):
    """Stored message bytes, exactly as received (signatures cover them)."""

    size: int
    sha256: str

    def chunks(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]: ...


# --------------------------------------------------------------------------- peer hand-over


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


@dataclass(frozen=True)
class Hop:
    """One pass of a message through a node. Hops travel beside the signed bytes
    (the bytes themselves are never modified) and every node stores them."""

    node: str
    at: datetime
    direction: Direction


@dataclass(frozen=True)
class TransferMeta:
    """What travels beside the bytes from node to node (HTTP headers on the peer API)."""

    message_id: str
    kind: MessageKind
    recipients: tuple[str, ...]
    hops: tuple[Hop, ...]


# --------------------------------------------------------------------------- signing


class Signer(Protocol):
    """Signs an envelope for one organisation (domain §5). CPU-bound: callers run it
    in an executor, or on the event loop for a small message when the signer
    has an ``in_process`` attribute that is True (the key is in this process's
    memory, so a signature never waits on a device; see
    :func:`node.engine.context.in_process`)."""

    organ_id: str

    def sign(self, xml: bytes) -> bytes: ...


class KeyRing(Protocol):
    def signer_for(self, organ_id: str) -> Signer | None:
        """The signer the node holds for ``organ_id``, or None (the DMS signs)."""
        ...


@dataclass(frozen=True)
class VerificationOutcome:
    """The core's view of a verification report: a verdict under the node's
    policy, the reasons when refused, and the full report as JSON-ready data."""

    accepted: bool
    reasons: tuple[str, ...] = ()
    signer_organs: tuple[str, ...] = ()
    weak_algorithm: bool = False
    report: Mapping[str, Any] = field(default_factory=dict)


class Verifier(Protocol):
    def verify(self, path: Path | bytes, *, at: datetime | None = None) -> VerificationOutcome:
        """Verify every signature in the envelope stored at ``path`` (or held in
        memory: a small message), and its PDF attachments. CPU-bound: callers
        run it in an executor."""
        ...

    async def averify(
        self, path: Path | bytes, *, at: datetime | None = None
    ) -> VerificationOutcome:
        """The same verdict as :meth:`verify`, awaited on the running event loop
        (a small message is verified there, with no thread hop). CPU-bound while
        it runs; it may only wait for I/O by awaiting (fetching revocation data)."""
        ...


# --------------------------------------------------------------------------- delivery


class DestinationKind(enum.StrEnum):
    PEER = "peer"
    WEBHOOK = "webhook"
    DROP_FOLDER = "drop-folder"


@dataclass(frozen=True)
class Destination:
    kind: DestinationKind
    name: str
    """Peer name or local DMS client id, as in node.toml."""


class Outcome(enum.StrEnum):
    DELIVERED = "delivered"
    DUPLICATE = "duplicate"
    TRANSIENT = "transient"
    """Network error, timeout, 5xx: retried on the engine's schedule."""
    PERMANENT = "permanent"
    """4xx: never retried as is; dead-lettered and reported to the sender."""


@dataclass(frozen=True)
class DeliveryOutcome:
    outcome: Outcome
    detail: str = ""
    http_status: int | None = None
    destination_down: bool = False
    """A transient failure of the destination as a whole (no connection, TLS
    handshake refused, "busy" answers), not of this message: the engine then
    holds the destination's other deliveries back until the next retry."""


class Transport(Protocol):
    async def send(
        self, destination: Destination, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        """Hand one message to a peer node or a local DMS endpoint. Never raises for
        delivery failures: they are outcomes."""
        ...
