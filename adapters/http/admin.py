"""The admin API: a sub-application under /admin/v1 with its own bearer-token
authentication. Operators read and resend; auditors only read (403 on resend)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from adapters.http.models import Certificate, Items, Peer, ResendResult, json_response, report_json
from adapters.http.params import Params
from adapters.http.problem import Handler
from adapters.http.state import ADMIN_PRINCIPAL, SERVICES
from node.errors import Forbidden
from node.modes import AdminRole
from node.report_format import render_csv, render_text

PREFIX = "/admin/v1"

log = logging.getLogger("lienthong.admin")


@web.middleware
async def admin_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    services = request.config_dict[SERVICES]
    request[ADMIN_PRINCIPAL] = services.admin_auth.authenticate(
        request.headers.get("Authorization")
    )
    return await handler(request)


def build_admin_app() -> web.Application:
    app = web.Application(middlewares=[admin_auth_middleware])
    get = app.router.add_get
    get("/messages", search, allow_head=False)
    get("/messages/{id}", detail, allow_head=False)
    get("/messages/{id}/trace", trace, allow_head=False)
    app.router.add_post("/messages/{id}/resend", resend)
    get("/dead-letters", dead_letters, allow_head=False)
    get("/overdue", overdue, allow_head=False)
    get("/stats", stats, allow_head=False)
    get("/report", report, allow_head=False)
    get("/audit", audit, allow_head=False)
    get("/routes", routes, allow_head=False)
    get("/queues", queues, allow_head=False)
    get("/peers", peers, allow_head=False)
    get("/certificates", certificates, allow_head=False)
    get("/directory", directory, allow_head=False)
    return app


async def search(request: web.Request) -> web.Response:
    params = Params(request.query)
    state = params.token("state", r"[a-z-]{1,32}", "must be a delivery or message state")
    organ = params.organ()
    since = params.instant("since")
    until = params.instant("until")
    limit = params.limit()
    cursor = params.text("cursor")
    document_id = params.text("document_id")
    code = params.token("status_code", r"\d{2}", "must be a two-digit status code like 02")
    params.done()
    page = await request.config_dict[SERVICES].admin.search(
        state=state,
        organ=organ,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
        document_id=document_id,
        status_code=code,
    )
    return json_response(page)


async def detail(request: web.Request) -> web.Response:
    Params(request.query).done()
    result = await request.config_dict[SERVICES].admin.detail(request.match_info["id"])
    return json_response(result)


async def trace(request: web.Request) -> web.Response:
    Params(request.query).done()
    result = await request.config_dict[SERVICES].admin.detail(request.match_info["id"])
    return json_response(result.trace)


async def resend(request: web.Request) -> web.Response:
    Params(request.query).done()
    principal = request[ADMIN_PRINCIPAL]
    if principal.role is not AdminRole.OPERATOR:
        raise Forbidden(
            f"{principal.name} is an {principal.role.value}: resending needs an operator"
        )
    message_id = request.match_info["id"]
    deliveries = await request.config_dict[SERVICES].admin.resend(message_id, actor=principal.name)
    log.info(
        "resend requested",
        extra={"message_id": message_id, "actor": principal.name, "deliveries": len(deliveries)},
    )
    return json_response(ResendResult(deliveries))


async def dead_letters(request: web.Request) -> web.Response:
    params = Params(request.query)
    limit = params.limit()
    params.done()
    items = await request.config_dict[SERVICES].admin.dead_letters(limit=limit)
    return json_response(Items(items))


async def overdue(request: web.Request) -> web.Response:
    params = Params(request.query)
    organ = params.organ()
    params.done()
    items = await request.config_dict[SERVICES].admin.overdue(organ)
    return json_response(Items(items))


async def stats(request: web.Request) -> web.Response:
    params = Params(request.query)
    organ = params.organ()
    since = params.instant("since")
    params.done()
    items = await request.config_dict[SERVICES].admin.feedback_stats(organ, since=since)
    return json_response(Items(items))


async def report(request: web.Request) -> web.Response:
    """The QĐ 28 supervision report as JSON (default), CSV or text."""
    params = Params(request.query)
    start = params.day("from", required=True)
    end = params.day("to", required=True)
    organ = params.organ()
    fmt = params.token("format", "json|csv|text", "must be json, csv or text") or "json"
    params.done()
    assert start is not None  # done() raised otherwise
    assert end is not None
    result = await request.config_dict[SERVICES].admin.report(start=start, end=end, organ=organ)
    data = report_json(result)
    if fmt == "csv":
        name = f"report-{start.isoformat()}-{end.isoformat()}.csv"
        return web.Response(
            text=render_csv(data),
            content_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if fmt == "text":
        return web.Response(text=render_text(data) + "\n", content_type="text/plain")
    return web.json_response(data)


async def audit(request: web.Request) -> web.Response:
    Params(request.query).done()
    result = await request.config_dict[SERVICES].admin.verify_audit_log()
    return json_response(result)


async def queues(request: web.Request) -> web.Response:
    Params(request.query).done()
    items = await request.config_dict[SERVICES].admin.queues()
    return json_response(Items(items))


async def routes(request: web.Request) -> web.Response:
    Params(request.query).done()
    return json_response(Items(request.config_dict[SERVICES].inventory.routes))


async def peers(request: web.Request) -> web.Response:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    now = services.clock.now()
    return json_response(Items(tuple(Peer.of(p, now) for p in services.inventory.peers)))


async def certificates(request: web.Request) -> web.Response:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    now = services.clock.now()
    items = tuple(Certificate.of(c, now) for c in services.inventory.certificates)
    return json_response(Items(items))


async def directory(request: web.Request) -> web.Response:
    """The copies of the axis' organ directory (``directory_sync`` upstreams);
    ``organ``: only its entry, and ``known`` says whether the axis lists it."""
    from adapters.transport.vdxp_directory import copy_json, read_copy

    params = Params(request.query)
    organ = params.organ()
    params.done()
    items = []
    for source in request.config_dict[SERVICES].directories:
        copy = await asyncio.to_thread(read_copy, source.path, source.upstream, source.call)
        item = copy_json(copy)
        if organ is not None:
            item["entries"] = [e for e in item["entries"] if e["code"] == organ]
            item["known"] = copy.knows(organ)
        items.append(item)
    return web.json_response({"items": items})
