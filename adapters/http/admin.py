"""The admin API: a sub-application under /admin/v1 with its own bearer-token
authentication. Operators read and resend; auditors only read (403 on resend)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from aiohttp import web

from adapters.http import views
from adapters.http.inventory import CertificateInfo
from adapters.http.params import Params
from adapters.http.problem import Handler
from adapters.http.state import ADMIN_PRINCIPAL, SERVICES
from node.errors import Forbidden
from node.modes import AdminRole
from node.report_format import render_csv, render_text, report_dict

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
    return web.json_response(views.message_page(page))


async def detail(request: web.Request) -> web.Response:
    Params(request.query).done()
    result = await request.config_dict[SERVICES].admin.detail(request.match_info["id"])
    return web.json_response(views.detail(result))


async def trace(request: web.Request) -> web.Response:
    Params(request.query).done()
    result = await request.config_dict[SERVICES].admin.detail(request.match_info["id"])
    return web.json_response(views.trace(result.trace))


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
    return web.json_response({"deliveries": [views.delivery(d) for d in deliveries]})


async def dead_letters(request: web.Request) -> web.Response:
    params = Params(request.query)
    limit = params.limit()
    params.done()
    items = await request.config_dict[SERVICES].admin.dead_letters(limit=limit)
    return web.json_response({"items": [views.delivery(d) for d in items]})


async def overdue(request: web.Request) -> web.Response:
    params = Params(request.query)
    organ = params.organ()
    params.done()
    items = await request.config_dict[SERVICES].admin.overdue(organ)
    return web.json_response({"items": [views.overdue(i) for i in items]})


async def stats(request: web.Request) -> web.Response:
    params = Params(request.query)
    organ = params.organ()
    since = params.instant("since")
    params.done()
    items = await request.config_dict[SERVICES].admin.feedback_stats(organ, since=since)
    return web.json_response({"items": [views.organ_stats(i) for i in items]})


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
    data = report_dict(result)
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
    return web.json_response(views.audit_check(result))


async def queues(request: web.Request) -> web.Response:
    Params(request.query).done()
    items = await request.config_dict[SERVICES].admin.queues()
    return web.json_response({"items": [views.queue(q) for q in items]})


async def routes(request: web.Request) -> web.Response:
    Params(request.query).done()
    inventory = request.config_dict[SERVICES].inventory
    items = [
        {"pattern": r.pattern, "destination_kind": r.destination_kind, "destination": r.destination}
        for r in inventory.routes
    ]
    return web.json_response({"items": items})


async def peers(request: web.Request) -> web.Response:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    now = services.clock.now()
    items = [
        {
            "name": p.name,
            "url": p.url,
            "organ_id": p.organ_id,
            "certificate": _certificate(p.certificate, now),
        }
        for p in services.inventory.peers
    ]
    return web.json_response({"items": items})


async def certificates(request: web.Request) -> web.Response:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    now = services.clock.now()
    items = [_certificate(c, now) for c in services.inventory.certificates]
    return web.json_response({"items": items})


def _certificate(cert: CertificateInfo, now: datetime) -> dict[str, object]:
    return {
        "role": cert.role,
        "name": cert.name,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "serial": cert.serial,
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "days_left": round(cert.days_left(now), 1),
        "sha256": cert.sha256,
    }


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
