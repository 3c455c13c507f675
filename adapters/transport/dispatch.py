"""The node's :class:`node.ports.driven.Transport`: one object that hands a stored message
to a peer node (mutual TLS), a DMS webhook, or a DMS drop folder.

Peer certificates: the server must chain to the configured CA *and* match the
peer's pin (fingerprint and/or organ id), checked inside the TLS handshake
before any byte of the message leaves. A mismatch is a **transient** outcome,
not a permanent one, on purpose: the message itself is fine and nothing was
sent; what is wrong is the link (a peer rotating its certificate before our
pin is updated, a DNS or load-balancer mistake pointing at another node). The
operator sees the clear reason on every attempt, can fix the pin and the
delivery goes through; if nobody does, the engine's max age dead-letters it
and the sender is told. Dead-lettering at once would turn a routine rotation
into lost deliveries for everything queued meanwhile.

Lifecycle: ``async with NodeTransport(...) as transport`` or ``await start()`` /
``await close()``; one pooled ``aiohttp.ClientSession`` serves all HTTP
destinations (connections are keyed by host and TLS context, so peers never
share a connection).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import aiohttp

from adapters.tls import TlsMaterial, pinned_client_context
from adapters.transport.config import DropFolderEndpoint, PeerEndpoint, Timeouts, WebhookEndpoint
from adapters.transport.dropfolder import DropFolderWriter
from adapters.transport.headers import transfer_headers
from adapters.transport.http import HttpTarget, deliver
from adapters.transport.vdxp_client import VdxpClient
from adapters.transport.vdxp_upstream import UpstreamEndpoint, client_for, send_upstream
from adapters.transport.webhook import SIGNATURE, sign_headers
from node.errors import ConfigError
from node.ports.driven import (
    Clock,
    DeliveryOutcome,
    Destination,
    DestinationKind,
    Outcome,
    StoredBody,
    SystemClock,
    TransferMeta,
    Transport,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


class NodeTransport:
    """Implements :class:`node.ports.driven.Transport`. Build once at start from config."""

    def __init__(
        self,
        *,
        tls: TlsMaterial | None,
        peers: Iterable[PeerEndpoint] = (),
        webhooks: Iterable[WebhookEndpoint] = (),
        drop_folders: Iterable[DropFolderEndpoint] = (),
        upstreams: Iterable[UpstreamEndpoint] = (),
        timeouts: Timeouts | None = None,
        clock: Clock | None = None,
        max_connections: int = 64,
        max_connections_per_host: int = 8,
    ) -> None:
        self._timeouts = timeouts or Timeouts()
        self._clock = clock or SystemClock()
        self._peers = _by_name([(p.name, p) for p in peers], "peer")
        self._webhooks = _by_name([(w.client_id, w) for w in webhooks], "webhook client")
        self._folders = _by_name([(d.client_id, d) for d in drop_folders], "drop-folder client")
        self._upstreams = _by_name([(u.name, u) for u in upstreams], "upstream")
        if set(self._upstreams) & set(self._peers):
            raise ConfigError("a peer and an upstream share the same name")
        self._clients: dict[str, VdxpClient] = {}
        if self._peers and tls is None:
            raise ConfigError("peers are configured but no TLS material for node-to-node traffic")
        self._peer_ssl = {
            name: pinned_client_context(tls, peer.pin, name)
            for name, peer in self._peers.items()
            if tls is not None
        }
        self._webhook_ssl = {
            cid: _webhook_context(w)
            for cid, w in self._webhooks.items()
            if w.url.startswith("https")
        }
        self._limits = (max_connections, max_connections_per_host)
        self._writer = DropFolderWriter(self._clock)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._limits[0], limit_per_host=self._limits[1], enable_cleanup_closed=True
            )
            self._session = aiohttp.ClientSession(
                connector=connector, trust_env=False, raise_for_status=False
            )

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            self._clients.clear()
            await session.close()

    async def __aenter__(self) -> NodeTransport:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def send(
        self, destination: Destination, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        try:
            outcome = await self._send(destination, meta, body)
        except Exception as exc:  # a bug must not kill the delivery worker
            log.exception("transport bug delivering %s to %s", meta.message_id, destination)
            outcome = DeliveryOutcome(Outcome.TRANSIENT, f"internal transport error: {exc!r}")
        log.info(
            "delivery %s to %s %s: %s",
            meta.message_id,
            destination.kind,
            destination.name,
            outcome.outcome,
            extra={
                "message_id": meta.message_id,
                "destination": destination.name,
                "outcome": str(outcome.outcome),
                "detail": outcome.detail,
            },
        )
        return outcome

    async def _send(
        self, destination: Destination, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        kind, name = destination.kind, destination.name
        if kind is DestinationKind.PEER and name in self._peers:
            peer = self._peers[name]
            target = HttpTarget(f"peer {name}", peer.messages_url, self._peer_ssl[name], True)
            return await self._post(target, transfer_headers(meta, body.sha256), body)
        if kind is DestinationKind.PEER and name in self._upstreams:
            return await send_upstream(
                self.upstream_client(name), self._upstreams[name], meta, body
            )
        if kind is DestinationKind.WEBHOOK and name in self._webhooks:
            hook = self._webhooks[name]
            headers = transfer_headers(meta, body.sha256)
            headers[SIGNATURE] = sign_headers(hook.secret, headers, self._clock.now())
            target = HttpTarget(f"webhook of {name}", hook.url, self._webhook_ssl.get(name), False)
            return await self._post(target, headers, body)
        if kind is DestinationKind.DROP_FOLDER and name in self._folders:
            return await self._writer.deliver(self._folders[name], meta, body)
        return DeliveryOutcome(
            Outcome.PERMANENT, f"no {kind} destination named {name!r} is configured"
        )

    def upstream_client(self, name: str) -> VdxpClient:
        """The VDXP client of upstream ``name`` (the poller shares it)."""
        if self._session is None:
            raise RuntimeError("NodeTransport.start() was not called")
        client = self._clients.get(name)
        if client is None:
            total = self._timeouts.base + self._timeouts.read
            client = client_for(self._upstreams[name], self._session, self._clock, total)
            self._clients[name] = client
        return client

    @property
    def upstreams(self) -> tuple[UpstreamEndpoint, ...]:
        return tuple(self._upstreams.values())

    async def _post(
        self, target: HttpTarget, headers: dict[str, str], body: StoredBody
    ) -> DeliveryOutcome:
        if self._session is None:
            raise RuntimeError("NodeTransport.start() was not called")
        return await deliver(self._session, target, headers, body, self._timeouts)


def _by_name(items: list[tuple[str, T]], what: str) -> dict[str, T]:
    by_name = dict(items)
    if len(by_name) != len(items):
        raise ConfigError(f"two {what}s share the same name")
    return by_name


def _webhook_context(hook: WebhookEndpoint) -> ssl.SSLContext:
    try:
        ctx = ssl.create_default_context(cafile=str(hook.ca) if hook.ca else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"webhook of {hook.client_id}: cannot load CA {hook.ca}: {exc}") from None
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


if TYPE_CHECKING:  # NodeTransport implements the core's port
    _port_check: type[Transport] = NodeTransport
