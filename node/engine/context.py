"""What every part of the engine shares: settings and the ports it talks to."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from node.engine.budget import MemoryBudget
from node.engine.observer import EngineObserver, NoopObserver
from node.engine.settings import EngineSettings
from node.ports.driven import Clock, KeyRing, Transport, Verifier
from node.store.port import Store

T = TypeVar("T")


@dataclass
class EngineContext:
    settings: EngineSettings
    store: Store
    keys: KeyRing
    verifier: Verifier
    transport: Transport
    clock: Clock
    observer: EngineObserver = field(default_factory=NoopObserver)
    rng: random.Random = field(default_factory=random.Random)
    wake_workers: Callable[[], None] = lambda: None
    """Set by the workers: called after an accept or resend so they claim at once."""
    signatures: MemoryBudget = field(init=False)
    """Admits concurrent signing and verifying by the memory they need."""

    def __post_init__(self) -> None:
        self.signatures = MemoryBudget(self.settings.signature_memory)

    @property
    def node_organ(self) -> str:
        return self.settings.node_organ


async def off_loop(fn: Callable[..., T], *args: object) -> T:
    """Run CPU-bound or blocking work (signing, verification, validation) off the loop."""
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
