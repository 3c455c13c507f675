"""The exchange engine: :class:`Engine` implements the ports' ExchangeApi
(``engine.exchange``) and AdminApi (``engine.admin``) over a Store, and runs
the delivery workers (``await engine.start()`` / ``await engine.stop()``).

The composition root builds it::

    store = store_from_url(config.storage.url)
    await store.open()
    engine = Engine(settings, store=store, keys=key_ring, verifier=verifier,
                    transport=transport, clock=SystemClock())
    await engine.start()       # delivery workers
    ...                        # adapters call engine.exchange / engine.admin
    await engine.stop()        # finish in-flight deliveries, release claims
    await store.close()
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from node.engine.accepting import Accepting
from node.engine.admin import Admin
from node.engine.budget import MemoryBudget
from node.engine.exchange import Exchange
from node.engine.intake import Sealing
from node.engine.observer import EngineObserver, NoopObserver
from node.engine.settings import EngineSettings
from node.engine.statuses import StatusWriter
from node.engine.workers import DeliveryWorkers
from node.errors import StoreUnavailable
from node.modes import SigningMode
from node.offload import Offload
from node.ports.driven import Clock, KeyRing, Transport, Verifier
from node.store.port import Store
from node.store.records import StoreMetrics

__all__ = ["Engine", "EngineObserver", "EngineSettings", "NoopObserver", "SigningMode"]


class Engine:
    def __init__(
        self,
        settings: EngineSettings,
        *,
        store: Store,
        keys: KeyRing,
        verifier: Verifier,
        transport: Transport,
        clock: Clock,
        observer: EngineObserver | None = None,
        rng: random.Random | None = None,
        offload: Offload | None = None,
        prepare: Callable[[str], object] | None = None,
    ) -> None:
        """Assembles the parts, each given only what it uses; ``wakeup`` is
        made first: the parts that store deliveries set it, the workers wait on it.
        ``offload``/``prepare``: see :class:`node.engine.intake.Sealing`."""
        observer = observer or NoopObserver()
        wakeup = asyncio.Event()
        budget = MemoryBudget(settings.signature_memory)
        statuses = StatusWriter(
            node_organ=settings.node_organ, keys=keys, clock=clock, signatures=budget
        )
        accepting = Accepting(settings, store, clock, observer, statuses, wakeup)
        self.settings = settings
        self.store = store
        self._clock = clock
        self.workers = DeliveryWorkers(
            settings=settings,
            store=store,
            transport=transport,
            clock=clock,
            observer=observer,
            rng=rng or random.Random(),  # noqa: S311 - retry jitter, not secrets
            statuses=statuses,
            wakeup=wakeup,
        )
        self.exchange = Exchange(
            settings=settings,
            store=store,
            clock=clock,
            observer=observer,
            sealing=Sealing(settings, keys, verifier, budget, offload, prepare),
            accepting=accepting,
        )
        self.admin = Admin(settings=settings, store=store, clock=clock, wakeup=wakeup)

    async def start(self) -> None:
        """Start the delivery workers."""
        await self.workers.start()

    async def stop(self) -> None:
        """Stop the workers: in-flight deliveries finish (or are released)."""
        await self.workers.stop()

    async def readiness(self) -> dict[str, str | None]:
        """Each check by name: None when it passes, else why it fails."""
        try:
            await self.store.schema_version()
        except StoreUnavailable as exc:
            return {"store": exc.detail}
        return {"store": None}

    async def metrics_snapshot(self) -> StoreMetrics:
        """Messages by state, queue depth, in flight, dead letters, oldest pending age."""
        return await self.store.metrics_snapshot(now=self._clock.now())
