"""The real parts of a node, built from its config: transport, key ring,
verifier, store and engine, drop-folder watchers — and the small types the
composition root (:mod:`node.app.bootstrap`) assembles them with.

Adapters, signing and the engine are imported inside the functions only: the
core's imports point inward (tests/unit/test_layers.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from node.config import (
    Config,
    Delivery,
    OrganEntry,
    SigningMode,
    deadline_policy,
    retry_policy,
    routing_table,
    secret_from_env,
    work_calendar,
)
from node.config.domain import peer_organs, signers_for
from node.errors import ConfigError, LienthongError
from node.offload import Offload
from node.organ import OrganPattern
from node.ports.api import AdminApi, DmsPrincipal, ExchangeApi, OpsProbe, QueueSnapshot
from node.ports.driven import Clock, KeyRing, Transport, Verifier

log = logging.getLogger("lienthong.node")


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
    observer: Any = None
    """The engine's observer (node.engine.EngineObserver): the node's metrics."""


@dataclass(frozen=True)
class Core:
    """The core as the adapters see it."""

    exchange: ExchangeApi
    admin: AdminApi
    probe: OpsProbe
    background: Sequence[Background] = field(default_factory=tuple)
    spool_dir: Path | None = None
    """Where request bodies are spooled so that storing them is a rename (the
    store's choice); None: ``<data_dir>/spool``."""


CoreFactory = Callable[[CoreDeps], AbstractAsyncContextManager[Core]]
"""Builds the core for a config and closes it when the context exits."""

TransportFactory = Callable[[Config, Mapping[str, str]], AbstractAsyncContextManager[Transport]]


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
            PeerEndpoint.create(
                p.name, p.url, expected_cert_path=p.certificate, next_cert_path=p.next_certificate
            )
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
        upstreams=upstream_endpoints(config, environ),
        timeouts=Timeouts(connect=min(10.0, timeout), read=timeout, base=timeout),
    )
    async with transport:
        yield transport


def upstream_endpoints(config: Config, environ: Mapping[str, str]) -> list[Any]:
    """The national axes this node is a VDXP client of (adapters.transport)."""
    from adapters.transport.vdxp_upstream import UpstreamEndpoint

    return [
        UpstreamEndpoint(
            name=u.name,
            url=u.url,
            system_id=u.system_id,
            secret=secret_from_env(f"upstreams[{i}].secret_env", u.secret_env, environ).reveal(),
            organ_id=u.organ_id,
            journal_dir=config.node.data_dir / "upstream" / u.name / "sending",
        )
        for i, u in enumerate(config.upstreams)
    ]


def upstream_pollers(
    config: Config,
    transport: Transport,
    exchange: ExchangeApi,
    clock: Clock,
    spool_dir: Path,
    observer: Any = None,
) -> tuple[Background, ...]:
    """One poller per upstream with ``receive`` on: getReceivedEdocList →
    getEdoc → the peer intake → updateStatus (adapters.transport.vdxp_poller)."""
    if not config.upstreams:
        return ()
    from adapters.transport import NodeTransport
    from adapters.transport.vdxp_poller import RefusedDocIds, UpstreamPoller

    if not isinstance(transport, NodeTransport):
        return ()
    table = routing_table(config)
    by_name = {u.name: u for u in transport.upstreams}
    pollers: list[Background] = []
    for u in config.upstreams:
        if not u.receive:
            continue

        def serves(organ: str, name: str = u.name) -> bool:
            try:
                plan = table.plan([organ])
            except LienthongError:
                return False
            return bool(plan.local) or any(p != name for p in plan.peers)

        pollers.append(
            UpstreamPoller(
                endpoint=by_name[u.name],
                client=functools.partial(transport.upstream_client, u.name),
                exchange=exchange,
                serves=serves,
                spool_dir=spool_dir,
                clock=clock,
                interval=u.poll_interval.total_seconds(),
                max_interval=u.max_poll_interval.total_seconds(),
                refused=RefusedDocIds(config.node.data_dir / "upstream" / f"{u.name}.refused"),
                observer=observer,
            )
        )
    return tuple(pollers)


def directory_syncs(config: Config, transport: Transport, clock: Clock) -> tuple[Background, ...]:
    """One directory sync per upstream with ``directory_sync`` on: the axis'
    agency directory kept in <data_dir>/directory (adapters.transport.vdxp_directory)."""
    from adapters.transport import NodeTransport
    from adapters.transport.vdxp_directory import DirectorySync, directory_file

    if not isinstance(transport, NodeTransport):
        return ()
    return tuple(
        DirectorySync(
            upstream=u.name,
            client=functools.partial(transport.upstream_client, u.name),
            path=directory_file(config.node.data_dir, u.name),
            clock=clock,
            interval=u.directory_interval.total_seconds(),
            call=u.directory_call,
        )
        for u in config.upstreams
        if u.directory_sync
    )


def drop_folder_watchers(
    config: Config, exchange: ExchangeApi, clock: Clock, spool_dir: Path
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
            spool_dir=spool_dir,
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
    from signing.keyring import build_key_ring

    keys = [
        organ_key(organ, organ.cert)
        for organ in config.organs
        if organ.signing is SigningMode.NODE and organ.cert is not None
    ]
    return build_key_ring(keys, environ=environ)


def organ_key(organ: OrganEntry, cert: Path) -> Any:
    """Where an organ's key is (signing.keyring.OrganKey): a file or a PKCS#11
    token; ``cert`` is its certificate (``organ.cert``, which callers have checked)."""
    from signing.keyring import OrganKey, Pkcs11Key

    return OrganKey(
        organ_id=organ.id,
        cert=cert,
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


def make_verifier(config: Config, clock: Clock) -> Verifier:
    """The verifier of incoming signatures under the node's trust policy; the
    trust store is loaded now (an unreadable one fails the start)."""
    from signing.policy import VerificationPolicy
    from signing.verifier import DocumentVerifier

    trust = config.trust
    verifier = DocumentVerifier(
        VerificationPolicy(
            trust_dir=trust.dir,
            crl_files=trust.crls,
            revocation=trust.revocation,
            fetch=trust.fetch,
            allow_legacy=trust.allow_legacy,
            require_signature=True,
            pdf=trust.pdf,
            require_signed_pdf=trust.require_signed_pdf,
            signers_for=implied_signers(config),
        ),
        clock=clock,
    )
    verifier.check_trust_store()
    return verifier


def implied_signers(config: Config) -> tuple[tuple[str, str], ...]:
    """Who may sign for whom (node.config.domain.signers_for): this node for
    its local organs, each peer for the organs it speaks for (``peers[].organs``,
    by default its organ_id and the routes naming it; the default peer gets
    nothing more), and the ``[[signers]]`` tables."""
    return signers_for(config)


def engine_settings(config: Config) -> Any:
    """The engine's settings (node.engine.EngineSettings) from the config."""
    from node.engine import EngineSettings
    from node.ports.driven import DestinationKind

    push_kinds = {
        Delivery.WEBHOOK: DestinationKind.WEBHOOK,
        Delivery.DROP_FOLDER: DestinationKind.DROP_FOLDER,
    }
    workers = config.workers
    return EngineSettings(
        node_organ=config.node.organ_id,
        routing=routing_table(config),
        peer_organs={
            name: tuple(OrganPattern.parse(p) for p in patterns)
            for name, patterns in peer_organs(config).items()
        },
        hop_limit=config.node.hop_limit,
        retry=retry_policy(config),
        calendar=work_calendar(config),
        deadlines=deadline_policy(config),
        signing={o.id: o.signing for o in config.organs},
        push={d.id: push_kinds[d.delivery] for d in config.dms if d.delivery in push_kinds},
        exchange_nodes=frozenset(d.id for d in config.dms if d.exchange_node),
        concurrency=workers.concurrency,
        claim_batch=workers.claim_batch,
        lease=workers.lease,
        poll_interval=workers.poll_interval,
        stop_grace=workers.stop_grace,
        signature_memory=config.limits.signature_memory_bytes,
    )


@contextlib.asynccontextmanager
async def real_core(deps: CoreDeps) -> AsyncIterator[Core]:
    """Store (opened, migrated) + key ring + verifier + engine with its delivery
    workers. Keys and trust are loaded in a worker thread (CPU, files)."""
    from node.engine import Engine
    from node.store import store_from_url
    from signing.streamc14n import prepare_file

    config = deps.config
    keys = await asyncio.to_thread(make_key_ring, config, deps.environ)
    verifier = await asyncio.to_thread(make_verifier, config, deps.clock)
    store = store_from_url(config.storage.url, base_dir=config.base_dir)
    offload = make_offload(config)
    await store.open()
    try:
        engine = Engine(
            engine_settings(config),
            store=store,
            keys=keys,
            verifier=verifier,
            transport=deps.transport,
            clock=deps.clock,
            observer=deps.observer,
            offload=offload,
            prepare=prepare_file,
        )
        checkpointer = await asyncio.to_thread(make_checkpointer, config, deps, store)
        exchange: Any = engine.exchange
        background: tuple[Background, ...] = (engine,)
        if checkpointer is not None:
            from node.engine.checkpoints import GatedExchange

            exchange = GatedExchange(engine.exchange, checkpointer)
            background = (checkpointer, engine)  # stopped in reverse: the last checkpoint last
        yield Core(
            exchange=exchange,
            admin=engine.admin,
            probe=EngineProbe(engine, verifier, checkpointer),
            background=background,
            spool_dir=store.spool_dir,
        )
    finally:
        if offload is not None:
            offload.close()
        await store.close()


def make_offload(config: Config) -> Offload | None:
    """The spare process for big messages' key-free pass (node/offload.py),
    started with the first big message (a node that never sees one never
    runs it); None when ``limits.offload_bytes`` is 0 or there is one core."""
    from node.app.warmup import warm_process

    threshold = config.limits.offload_bytes
    if threshold <= 0 or (os.cpu_count() or 1) < 2:
        return None
    return Offload(threshold=threshold, warm=warm_process)


def make_checkpointer(config: Config, deps: CoreDeps, store: Any) -> Any:
    """The audit checkpointer (node.engine.checkpoints.Checkpointer), signing
    with the node organ's key when the node holds it, else with its TLS key;
    None (with a warning) when the node has neither."""
    from node.engine.checkpoints import ChangeRecord, Checkpointer, TsaPolicy
    from signing.auditsign import KeyCheckpointSigner, Rfc3161Timestamper, fingerprint
    from signing.keyring import key_source_for
    from signing.keys import load_certificates, load_private_key

    audit = config.audit
    signer = None
    for organ in config.organs:
        if organ.id == config.node.organ_id and organ.signing is SigningMode.NODE and organ.cert:
            spec = organ_key(organ, organ.cert)
            key = key_source_for(spec, deps.environ).private_key()
            signer = KeyCheckpointSigner(key, load_certificates(organ.cert))
    if signer is None and config.tls is not None:
        password = None
        if config.tls.key_password_env:
            password = secret_from_env(
                "tls.key_password_env", config.tls.key_password_env, deps.environ
            ).reveal()
        tls_key = load_private_key(
            config.tls.key.read_bytes(),
            password.encode() if password else None,
            source=str(config.tls.key),
        )
        signer = KeyCheckpointSigner(tls_key, load_certificates(config.tls.cert))
    if signer is None:
        log.warning(
            "audit checkpoints are off: the node holds no key for its organ %s "
            '(signing = "node") and has no TLS key',
            config.node.organ_id,
        )
        return None
    timestamper = None
    if audit.rfc3161:
        if not audit.rfc3161.startswith(("http://", "https://")):
            raise ConfigError(f"audit.rfc3161: {audit.rfc3161!r} is not an http(s) URL")
        timestamper = Rfc3161Timestamper(audit.rfc3161, timeout=audit.tsa_timeout.total_seconds())

    def cert_print(path: Path | None) -> str | None:
        return fingerprint(load_certificates(path)[0]) if path is not None else None

    keys: dict[str, Any] = {
        "checkpoint_signer": signer.fingerprint,
        "organs": {o.id: cert_print(o.cert) for o in config.organs if o.cert is not None},
        "peers": {p.name: cert_print(p.certificate) for p in config.peers},
    }
    if config.tls is not None:
        keys["tls"] = cert_print(config.tls.cert)
    changes = [
        ChangeRecord("config-change", {"sha256": _file_digest(config.source)}),
        ChangeRecord("key-change", keys),
    ]
    observer = deps.observer if hasattr(deps.observer, "on_checkpoint") else None
    return Checkpointer(
        store=store,
        signer=signer,
        clock=deps.clock,
        node=config.node.organ_id,
        interval=audit.checkpoint_interval,
        timestamper=timestamper,
        tsa_policy=TsaPolicy(audit.tsa_policy.value),
        observer=observer,
        changes=changes,
    )


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class EngineProbe:
    """/readyz and /metrics from the engine (store reachable, queue numbers)
    and the verifier (trust material still readable)."""

    def __init__(self, engine: Any, verifier: Any, checkpointer: Any = None) -> None:
        self._engine = engine
        self._verifier = verifier
        self._checkpointer = checkpointer

    async def readiness(self) -> Mapping[str, str | None]:
        checks: dict[str, str | None] = dict(await self._engine.readiness())
        try:
            await asyncio.to_thread(self._verifier.check_trust_store)
            checks["keys"] = None
        except ConfigError as exc:
            checks["keys"] = exc.detail
        if self._checkpointer is not None:
            checks["audit"] = self._checkpointer.readiness()
        return checks

    async def snapshot(self) -> QueueSnapshot:
        numbers = await self._engine.metrics_snapshot()
        return QueueSnapshot(
            messages_by_state=dict(numbers.messages_by_state),
            queue_depth=numbers.queue_depth,
            oldest_pending_age=numbers.oldest_pending_seconds,
        )
