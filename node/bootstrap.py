"""The composition root: ``Config`` → store, key ring, verifier, engine,
transport, workers and the two web listeners, with a clean start and stop.

Nothing else builds the object graph. Adapters and signing are imported
inside functions only (the core's imports point inward; see
tests/unit/test_layers.py). The core's construction is isolated behind
:data:`CoreFactory`: tests pass fakes, production uses :func:`real_core`.

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
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Protocol

from node.config import Config, Delivery, SigningMode, check_environment, secret_from_env
from node.errors import ConfigError
from node.ports import (
    AdminApi,
    Clock,
    DmsPrincipal,
    ExchangeApi,
    KeyRing,
    OpsProbe,
    SystemClock,
    Transport,
    Verifier,
)

log = logging.getLogger("lienthong.node")

SHUTDOWN_TIMEOUT = 30.0
"""Seconds in-flight requests get to finish once a stop begins."""


class Background(Protocol):
    """A long-running part of the node (delivery workers, drop-folder watchers)."""

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop taking new work, finish what is in flight, then return."""
        ...


@dataclass(frozen=True)
class CoreDeps:
    """What the composition root hands to the core factory."""

    config: Config
    transport: Transport
    clock: Clock
    environ: Mapping[str, str]


@dataclass(frozen=True)
class Core:
    """The core as the adapters see it."""

    exchange: ExchangeApi
    admin: AdminApi
    probe: OpsProbe
    background: Sequence[Background] = field(default_factory=tuple)


CoreFactory = Callable[[CoreDeps], AbstractAsyncContextManager[Core]]
"""Builds the core for a config and closes it when the context exits."""

TransportFactory = Callable[[Config, Mapping[str, str]], AbstractAsyncContextManager[Transport]]


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
        from adapters.http.metrics import InstrumentedTransport, NodeMetrics

        check_environment(self.config, self._environ)
        metrics = NodeMetrics()
        transport = await self._stack.enter_async_context(
            self._transport_factory(self.config, self._environ)
        )
        deps = CoreDeps(
            self.config, InstrumentedTransport(transport, metrics), self._clock, self._environ
        )
        core = await self._stack.enter_async_context(self._core_factory(deps))
        await self._start_listeners(core, metrics)
        self._background = (
            *core.background,
            *drop_folder_watchers(self.config, core.exchange, self._clock),
        )
        for part in self._background:
            await part.start()
        log.info("node %s started", self.config.node_name, extra={"urls": dict(self.urls)})

    async def _start_listeners(self, core: Core, metrics: Any) -> None:
        from adapters.http.app import build_dms_listener_app, build_peer_listener_app
        from adapters.http.wiring import http_services, peer_server_context

        services = http_services(
            self.config,
            exchange=core.exchange,
            admin=core.admin,
            probe=core.probe,
            metrics=metrics,
            clock=self._clock,
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

        runner = web.AppRunner(
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


# --------------------------------------------------------------------------- real wiring


@contextlib.asynccontextmanager
async def real_transport(config: Config, environ: Mapping[str, str]) -> AsyncIterator[Transport]:
    """The outgoing side (adapters.transport): peers over mutual TLS pinned to
    their expected certificates, webhooks signed with HMAC, drop-folder writes."""
    from adapters.http.wiring import tls_material
    from adapters.transport import (
        DropFolderEndpoint,
        NodeTransport,
        PeerEndpoint,
        Timeouts,
        WebhookEndpoint,
    )

    timeout = config.limits.request_timeout.total_seconds()
    transport = NodeTransport(
        tls=tls_material(config, environ) if config.tls is not None else None,
        peers=[
            PeerEndpoint.create(p.name, p.url, expected_cert_path=p.certificate)
            for p in config.peers
        ],
        webhooks=[
            WebhookEndpoint(
                d.id,
                d.webhook_url,
                secret_from_env(
                    f"dms[{i}].webhook_secret_env", d.webhook_secret_env, environ
                ).reveal(),
                ca=d.webhook_ca,
            )
            for i, d in enumerate(config.dms)
            if d.delivery is Delivery.WEBHOOK
        ],
        drop_folders=[
            DropFolderEndpoint(d.id, d.drop_folder)
            for d in config.dms
            if d.delivery is Delivery.DROP_FOLDER and d.drop_folder is not None
        ],
        timeouts=Timeouts(connect=min(10.0, timeout), read=timeout, base=timeout),
    )
    async with transport:
        yield transport


def drop_folder_watchers(
    config: Config, exchange: ExchangeApi, clock: Clock
) -> tuple[Background, ...]:
    """One watcher per DMS in drop-folder mode: files it puts in <dir>/outgoing
    are submitted on its behalf (adapters.dms.dropfolder)."""
    from adapters.dms.dropfolder import DropFolderWatcher
    from adapters.transport import DropFolderEndpoint

    return tuple(
        DropFolderWatcher(
            exchange,
            DropFolderEndpoint(d.id, d.drop_folder),
            DmsPrincipal(d.id, frozenset(d.organs)),
            spool_dir=config.spool_dir,
            clock=clock,
            interval=d.drop_folder_poll.total_seconds(),
            max_size=config.limits.max_message_bytes,
        )
        for d in config.dms
        if d.delivery is Delivery.DROP_FOLDER and d.drop_folder is not None
    )


def make_key_ring(config: Config, environ: Mapping[str, str]) -> KeyRing:
    """The signers of the organs the node signs for (signing = "node"); every key
    is loaded and checked against its certificate now, so a wrong key or
    password fails the start, not the first document."""
    from signing.keyring import OrganKey, Pkcs11Key, build_key_ring

    keys = [
        OrganKey(
            organ_id=organ.id,
            cert=organ.cert,
            key=organ.key,
            key_password_env=organ.key_password_env or None,
            pkcs11=None
            if organ.pkcs11 is None
            else Pkcs11Key(
                organ.pkcs11.module,
                organ.pkcs11.token_label,
                organ.pkcs11.key_label,
                organ.pkcs11.pin_env,
            ),
        )
        for organ in config.organs
        if organ.signing is SigningMode.NODE and organ.cert is not None
    ]
    return build_key_ring(keys, environ=environ)


def make_verifier(config: Config, clock: Clock) -> Verifier:
    """The verifier of incoming signatures under the node's trust policy; the
    trust store is loaded now (an unreadable one fails the start)."""
    from signing.policy import PdfMode, RevocationMode, VerificationPolicy
    from signing.verifier import DocumentVerifier

    trust = config.trust
    verifier = DocumentVerifier(
        VerificationPolicy(
            trust_dir=trust.dir,
            crl_files=trust.crls,
            revocation=RevocationMode(trust.revocation.value),
            fetch=trust.fetch,
            allow_legacy=trust.allow_legacy,
            require_signature=True,
            pdf=PdfMode(trust.pdf.value),
            require_signed_pdf=trust.require_signed_pdf,
        ),
        clock=clock,
    )
    verifier.check_trust_store()
    return verifier


@contextlib.asynccontextmanager
async def real_core(deps: CoreDeps) -> AsyncIterator[Core]:
    """Store + key ring + verifier + engine + workers from the config.

    INTEGRATION PENDING: node.store / node.engine (helper "engine") and signing
    (helper "signing") have not landed on main yet."""
    del deps
    raise ConfigError(
        "this build has no exchange engine yet (node.engine is not installed); "
        "run a build that includes it"
    )
    yield  # pragma: no cover
