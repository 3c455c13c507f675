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

import random

from node.engine.admin import Admin
from node.engine.context import EngineContext
from node.engine.exchange import Exchange
from node.engine.observer import EngineObserver, NoopObserver
from node.engine.settings import EngineSettings
from node.engine.workers import DeliveryWorkers
from node.errors import StoreUnavailable
from node.modes import SigningMode
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
    ) -> None:
        self.context = EngineContext(
            settings=settings,
            store=store,
            keys=keys,
            verifier=verifier,
            transport=transport,
            clock=clock,
            observer=observer or NoopObserver(),
            rng=rng or random.Random(),  # noqa: S311 - retry jitter, not secrets
        )
        self.workers = DeliveryWorkers(self.context)
        self.exchange = Exchange(self.context)
        self.admin = Admin(self.context)

    @property
    def store(self) -> Store:
        return self.context.store

    async def start(self) -> None:
        """Start the delivery workers."""
        await self.workers.start()

    async def stop(self) -> None:
        """Stop the workers: in-flight deliveries finish (or are released)."""
        await self.workers.stop()

    async def readiness(self) -> dict[str, str | None]:
        """Each check by name: None when it passes, else why it fails."""
        try:
            await self.context.store.schema_version()
        except StoreUnavailable as exc:
            return {"store": exc.detail}
        return {"store": None}

    async def metrics_snapshot(self) -> StoreMetrics:
        """Messages by state, queue depth, in flight, dead letters, oldest pending age."""
        return await self.context.store.metrics_snapshot(now=self.context.clock.now())
