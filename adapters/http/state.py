"""Typed application state: what the composition root hands to the web apps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from adapters.http.auth import TokenAuth
from adapters.http.inventory import NodeInventory
from adapters.http.metrics import NodeMetrics
from adapters.http.spool import Spool
from node.ports import (
    AdminApi,
    AdminPrincipal,
    Clock,
    DmsPrincipal,
    ExchangeApi,
    OpsProbe,
    PeerPrincipal,
)


@dataclass(frozen=True)
class HttpServices:
    """Everything the HTTP adapters need; built once by node.bootstrap."""

    exchange: ExchangeApi
    admin: AdminApi
    probe: OpsProbe
    dms_auth: TokenAuth[DmsPrincipal]
    admin_auth: TokenAuth[AdminPrincipal]
    peers_by_certificate: Mapping[str, PeerPrincipal]
    """SHA-256 (hex) of each peer's expected DER certificate → who that peer is."""
    inventory: NodeInventory
    metrics: NodeMetrics
    spool: Spool
    clock: Clock


SERVICES = web.AppKey("services", HttpServices)
DMS_PRINCIPAL = web.RequestKey("dms_principal", DmsPrincipal)
ADMIN_PRINCIPAL = web.RequestKey("admin_principal", AdminPrincipal)
