"""The DMS API (CONTRACT "HTTP — DMS API"), a sub-application under /api/v1
with its own bearer-token authentication: local document-management systems
submit documents and statuses, read their inbox, fetch and acknowledge messages,
and trace what they sent."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.http.models import json_response
from adapters.http.params import Params
from adapters.http.problem import Handler
from adapters.http.spool import discard
from adapters.http.state import DMS_PRINCIPAL, SERVICES
from adapters.http.streaming import stream_body
from node.errors import UnsupportedMediaType
from node.model import MessageKind
from node.ports.api import DmsPrincipal, SubmitResult

PREFIX = "/api/v1"
XML_TYPES = frozenset({"application/xml", "text/xml", "application/octet-stream"})
IDEMPOTENCY_KEY = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 200

log = logging.getLogger("lienthong.dms")


@web.middleware
async def dms_auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    services = request.config_dict[SERVICES]
    request[DMS_PRINCIPAL] = services.dms_auth.authenticate(request.headers.get("Authorization"))
    return await handler(request)


def build_dms_app() -> web.Application:
    app = web.Application(middlewares=[dms_auth_middleware])
    app.router.add_post("/documents", submit_document)
    app.router.add_post("/statuses", submit_status)
    app.router.add_get("/inbox", inbox, allow_head=False)
    app.router.add_get("/messages/{id}", open_message, allow_head=False)
    app.router.add_post("/messages/{id}/ack", ack)
    app.router.add_get("/documents/{id}/trace", trace, allow_head=False)
    return app


async def submit_document(request: web.Request) -> web.Response:
    return await _submit(request, MessageKind.DOCUMENT)


async def submit_status(request: web.Request) -> web.Response:
    return await _submit(request, MessageKind.STATUS)


async def _submit(request: web.Request, kind: MessageKind) -> web.Response:
    services = request.config_dict[SERVICES]
    principal = request[DMS_PRINCIPAL]
    _check_xml(request)
    Params(request.query).done()
    params = Params(request.headers, where="header")
    key = params.text(IDEMPOTENCY_KEY, max_length=MAX_IDEMPOTENCY_KEY)
    params.done("invalid request headers")
    body = await services.spool.receive(request.content, declared=request.content_length)
    try:
        result = await services.exchange.submit(
            body, principal=principal, kind=kind, idempotency_key=key
        )
    except BaseException:
        discard(body)  # safety net: the core disposes of the body on every path
        raise
    _log_result(result, principal, kind)
    return json_response(
        result,
        status=200 if result.duplicate else 202,
        headers={"Location": f"{PREFIX}/messages/{result.id}"},
    )


def _check_xml(request: web.Request) -> None:
    if "Content-Type" not in request.headers:
        return
    ctype = request.content_type
    if ctype in XML_TYPES or (ctype.startswith("application/") and ctype.endswith("+xml")):
        return
    raise UnsupportedMediaType(
        f"send the edXML file as application/xml, not {ctype or 'an empty Content-Type'}"
    )


def _log_result(result: SubmitResult, principal: DmsPrincipal, kind: MessageKind) -> None:
    log.info(
        "duplicate %s answered with the first result" if result.duplicate else "%s accepted",
        kind.value,
        extra={
            "message_id": result.id,
            "document_id": result.document_id,
            "client": principal.client_id,
            "state": result.state,
        },
    )


async def inbox(request: web.Request) -> web.Response:
    services = request.config_dict[SERVICES]
    params = Params(request.query)
    limit = params.limit()
    cursor = params.text("cursor")
    params.done()
    page = await services.exchange.inbox(request[DMS_PRINCIPAL], limit=limit, cursor=cursor)
    return json_response(page)


async def open_message(request: web.Request) -> web.StreamResponse:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    message_id = request.match_info["id"]
    body = await services.exchange.open_message(message_id, request[DMS_PRINCIPAL])
    return await stream_body(request, body, message_id)


async def ack(request: web.Request) -> web.Response:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    message_id = request.match_info["id"]
    principal = request[DMS_PRINCIPAL]
    await services.exchange.ack(message_id, principal)
    log.info("acknowledged", extra={"message_id": message_id, "client": principal.client_id})
    return web.Response(status=204)


async def trace(request: web.Request) -> web.Response:
    Params(request.query).done()
    services = request.config_dict[SERVICES]
    result = await services.exchange.trace(request.match_info["id"], request[DMS_PRINCIPAL])
    return json_response(result)
