"""The two web applications a node serves, assembled from the API modules.

* DMS listener: ``/api/v1`` (DMS API sub-app), ``/admin/v1`` (admin sub-app),
  ``/console/`` (the web console for operators and auditors, adapters.console),
  ``/vdxp`` (the national axis' API, for DMSs built on its SDK), ``/healthz``,
  ``/readyz``, ``/metrics``, ``/openapi.json``.
* Peer listener (mutual TLS): ``/peer/v1/messages``.

Both answer every error as problem+json and count requests in the node's
metrics. ``client_max_size`` is explicit: message bodies are streamed to the
spool (their limit is ``limits.max_message_bytes``), nothing else takes a body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from adapters.console.app import add_console
from adapters.http.admin import build_admin_app
from adapters.http.dms import build_dms_app
from adapters.http.openapi import serve_openapi
from adapters.http.ops import add_ops_routes
from adapters.http.peer import add_peer_routes
from adapters.http.problem import Handler, problem_middleware
from adapters.http.state import SERVICES, HttpServices
from adapters.http.vdxp import build_vdxp_app

CLIENT_MAX_SIZE = 64 * 1024
"""For bodies read whole (none today): message bodies stream to the spool."""


def build_dms_listener_app(services: HttpServices) -> web.Application:
    app = web.Application(
        middlewares=[count_requests, problem_middleware], client_max_size=CLIENT_MAX_SIZE
    )
    app[SERVICES] = services
    app.cleanup_ctx.append(_spool_ready)
    add_ops_routes(app)
    app.router.add_get("/openapi.json", serve_openapi, allow_head=False)
    app.add_subapp("/api/v1", build_dms_app())
    app.add_subapp("/admin/v1", build_admin_app())
    app.add_subapp("/vdxp", build_vdxp_app())
    add_console(app, services)
    return app


def build_peer_listener_app(services: HttpServices) -> web.Application:
    app = web.Application(
        middlewares=[count_requests, problem_middleware], client_max_size=CLIENT_MAX_SIZE
    )
    app[SERVICES] = services
    app.cleanup_ctx.append(_spool_ready)
    add_peer_routes(app)
    return app


async def _spool_ready(app: web.Application) -> AsyncIterator[None]:
    """The spool directory exists and holds no leftovers of a crash."""
    app[SERVICES].spool.prepare()
    yield


def _api_of(path: str) -> str:
    for prefix, api in (
        ("/api/", "dms"),
        ("/admin/", "admin"),
        ("/peer/", "peer"),
        ("/vdxp/", "vdxp"),
        ("/console", "console"),
    ):
        if path.startswith(prefix):
            return api
    return "ops"


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    request.config_dict[SERVICES].metrics.on_request(_api_of(request.path), response.status)
    return response
