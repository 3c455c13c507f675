"""Typed application state: what the composition root hands to the web apps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from adapters.http.auth import TokenAuth
from adapters.http.inventory import NodeInventory
from adapters.http.metrics import NodeMetrics
from adapters.http.spool import Spool
from adapters.http.vdxp_auth import VdxpAuth
from adapters.tls import PeerPin
from node.ports.api import (
    AdminApi,
    AdminPrincipal,
    DmsPrincipal,
    ExchangeApi,
    OpsProbe,
    PeerPrincipal,
)
from node.ports.driven import Clock


@dataclass(frozen=True)
class PeerIdentity:
    """A configured peer as the peer listener recognises it (adapters.tls.PinnedPeer)."""

    name: str
    pin: PeerPin
    principal: PeerPrincipal


@dataclass(frozen=True)
class DirectorySource:
    """An upstream whose agency directory the node keeps (``directory_sync``)."""

    upstream: str
    call: str
    path: Path
    """The copy (adapters.transport.vdxp_directory writes it)."""


@dataclass(frozen=True)
class HttpServices:
    """Everything the HTTP adapters need; built once by node.app.bootstrap."""

    exchange: ExchangeApi
    admin: AdminApi
    probe: OpsProbe
    dms_auth: TokenAuth[DmsPrincipal]
    admin_auth: TokenAuth[AdminPrincipal]
    peers: tuple[PeerIdentity, ...]
    """Configured peers and what their client certificates must be."""
    inventory: NodeInventory
    metrics: NodeMetrics
    spool: Spool
    clock: Clock
    vdxp_auth: VdxpAuth | None = None
    """Systems allowed on the VDXP-compatible API (None: not offered)."""
    node_organ: str = ""
    """This node's organ id (a ``sendEdoc`` whose ``Lienthong-Hops`` name it is a loop)."""
    hop_limit: int = 8
    """The most nodes a message may have entered on arrival (``node.hop_limit``)."""
    directories: tuple[DirectorySource, ...] = ()
    """Upstreams with ``directory_sync`` on, shown by GET /admin/v1/directory."""


SERVICES = web.AppKey("services", HttpServices)
DMS_PRINCIPAL = web.RequestKey("dms_principal", DmsPrincipal)
ADMIN_PRINCIPAL = web.RequestKey("admin_principal", AdminPrincipal)
