"""Always-on endpoints: /healthz (the process answers), /readyz (store
reachable, keys loaded), /metrics (Prometheus text from the node's own registry)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from adapters.http.models import Health, Readiness, json_response
from adapters.http.params import Params
from adapters.http.state import SERVICES
from node.errors import LienthongError

log = logging.getLogger("lienthong.ops")


def add_ops_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz, allow_head=False)
    app.router.add_get("/readyz", readyz, allow_head=False)
    app.router.add_get("/metrics", metrics, allow_head=False)


async def healthz(request: web.Request) -> web.Response:
    Params(request.query).done()
    return json_response(Health())


async def readyz(request: web.Request) -> web.Response:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    try:
        checks = dict(await services.probe.readiness())
    except (LienthongError, OSError) as exc:
        checks = {"store": str(exc)}
    # a full or read-only spool disk refuses every upload although the store is fine
    checks["spool"] = await asyncio.to_thread(services.spool.writable)
    ready = all(problem is None for problem in checks.values())
    body = Readiness(
        status="ready" if ready else "not-ready",
        checks={name: problem or "ok" for name, problem in checks.items()},
    )
    return json_response(body, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    snapshot = await services.probe.snapshot()
    services.metrics.update(snapshot, services.inventory.certificates, services.clock.now())
    return web.Response(
        body=services.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )
