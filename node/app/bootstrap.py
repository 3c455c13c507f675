"""The composition root: ``Config`` → store, key ring, verifier, engine,
transport, workers and the two web listeners, with a clean start and stop.

Nothing else builds the object graph. Adapters and signing are imported
inside functions only (the core's imports point inward; see
tests/unit/test_layers.py). The parts themselves are built in
:mod:`node.app.wiring`; the core is isolated behind :data:`CoreFactory`: tests
pass fakes, production uses :func:`node.app.wiring.real_core`.

Start order: secrets and files checked → metrics, transport → core (store,
keys, engine) → HTTP listeners → background workers.
Stop order (SIGTERM): listeners stop accepting and finish in-flight requests →
workers finish in-flight deliveries → core closed (store last).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from node.app.wiring import (
    Background,
    Core,
    CoreDeps,
    CoreFactory,
    TransportFactory,
    directory_syncs,
    drop_folder_watchers,
    real_core,
    real_transport,
    upstream_pollers,
)
from node.config import Config, check_environment
from node.errors import ConfigError
from node.ports.driven import Clock, SystemClock

__all__ = [
    "SHUTDOWN_TIMEOUT",
    "Background",
    "Core",
    "CoreDeps",
    "CoreFactory",
    "NodeService",
    "TransportFactory",
    "real_core",
    "real_transport",
    "running_node",
]

log = logging.getLogger("lienthong.node")

SHUTDOWN_TIMEOUT = 30.0
"""Seconds in-flight requests get to finish once a stop begins."""


class NodeService:
    """One running node: build with a config, ``await start()``, ``await stop()``."""

    def __init__(
        self,
        config: Config,
        *,
        core_factory: CoreFactory | None = None,
        transport_factory: TransportFactory | None = None,
        clock: Clock | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self._core_factory = core_factory or real_core
        self._transport_factory = transport_factory or real_transport
        self._clock = clock or SystemClock()
        self._environ = os.environ if environ is None else environ
        self._stack = AsyncExitStack()
        self._runners: list[Any] = []
        self._background: Sequence[Background] = ()
        self.urls: dict[str, str] = {}
        """Bound listener URLs by name ("dms", "peer"); ports are real even for port 0."""

    @property
    def background(self) -> tuple[Background, ...]:
        """The running background parts (delivery workers, drop-folder watchers)."""
        return tuple(self._background)

    @property
    def dms_url(self) -> str:
        return self.urls["dms"]

    @property
    def peer_url(self) -> str | None:
        return self.urls.get("peer")

    async def start(self) -> None:
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        from adapters.http.metrics import NodeMetrics

        check_environment(self.config, self._environ)
        metrics = NodeMetrics(upstreams=[u.name for u in self.config.upstreams])
        transport = await self._stack.enter_async_context(
            self._transport_factory(self.config, self._environ)
        )
        deps = CoreDeps(self.config, transport, self._clock, self._environ, observer=metrics)
        core = await self._stack.enter_async_context(self._core_factory(deps))
        spool_dir = core.spool_dir or self.config.spool_dir
        await self._start_listeners(core, metrics, spool_dir)
        self._background = (
            *core.background,
            *drop_folder_watchers(self.config, core.exchange, self._clock, spool_dir),
            *upstream_pollers(
                self.config, transport, core.exchange, self._clock, spool_dir, observer=metrics
            ),
            *directory_syncs(self.config, transport, self._clock),
        )
        for part in self._background:
            await part.start()
        log.info("node %s started", self.config.node_name, extra={"urls": dict(self.urls)})

    async def _start_listeners(self, core: Core, metrics: Any, spool_dir: Path) -> None:
        from adapters.http.app import build_dms_listener_app, build_peer_listener_app
        from adapters.http.wiring import http_services, peer_server_context
        from signing.trust import ca_certificates_in

        services = http_services(
            self.config,
            exchange=core.exchange,
            admin=core.admin,
            probe=core.probe,
            metrics=metrics,
            clock=self._clock,
            spool_dir=spool_dir,
            environ=self._environ,
            trust_anchors=ca_certificates_in(self.config.trust.dir),
        )
        listen = self.config.listen
        self.urls["dms"] = await self._serve(
            "dms", build_dms_listener_app(services), listen.dms.host, listen.dms.port, None
        )
        if listen.peer is not None:
            context = peer_server_context(self.config, self._environ)
            self.urls["peer"] = await self._serve(
                "peer",
                build_peer_listener_app(services),
                listen.peer.host,
                listen.peer.port,
                context,
            )

    async def _serve(self, name: str, app: Any, host: str, port: int, ssl_context: Any) -> str:
        from aiohttp import web

        from adapters.http.accesslog import JsonAccessLogger
        from adapters.http.protocol import ProblemAppRunner

        runner = ProblemAppRunner(
            app,
            access_log_class=JsonAccessLogger,
            access_log=logging.getLogger(f"lienthong.access.{name}"),
            shutdown_timeout=SHUTDOWN_TIMEOUT,
            handle_signals=False,
        )
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, host, port, ssl_context=ssl_context, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            raise ConfigError(
                f"listen.{name}: cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None
        bound = runner.addresses[0]
        scheme = "https" if ssl_context is not None else "http"
        bound_host = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        url = f"{scheme}://{bound_host}:{bound[1]}"
        log.info("listening for %s on %s", name, url, extra={"listener": name, "url": url})
        return url

    async def stop(self) -> None:
        """Graceful: stop accepting, finish in-flight requests and deliveries,
        close the core. Safe to call twice and after a failed start."""
        runners, self._runners = self._runners, []
        if runners:
            await asyncio.gather(*(r.cleanup() for r in runners), return_exceptions=True)
        background, self._background = self._background, ()
        for part in reversed(background):
            try:
                await part.stop()
            except Exception:
                log.exception("background task failed to stop cleanly")
        await self._stack.aclose()
        if runners:
            log.info("node %s stopped", self.config.node_name)


@contextlib.asynccontextmanager
async def running_node(config: Config, **options: Any) -> AsyncIterator[NodeService]:
    """``async with running_node(config) as node: ...`` — started, then stopped."""
    node = NodeService(config, **options)
    await node.start()
    try:
        yield node
    finally:
        await node.stop()
