"""The VDXP-compatible API (domain §7), a sub-application under ``/vdxp``.

Most agency DMSs embed the national axis SDK. Pointed at a lienthong node,
they keep working unchanged: the same calls, headers and JSON answers, mapped
onto the node's own operations (the same validation, signatures, durability
and routing as the DMS API; nothing here bypasses the engine).

| VDXP call | node operation |
|---|---|
| ``POST /sendEdoc`` | submit (``messagetype`` status → a status, else a document) |
| ``POST /getReceivedEdocList`` | the inbox of the system's organ (unacknowledged) |
| ``POST /getEdoc`` | the stored bytes, base64 in ``data`` (streamed) |
| ``POST /updateStatus`` | ``done``: acknowledge; ``fail``: leave it in the inbox |
| ``GET /countReceiveEdoc``, ``GET /countReceiveStatus`` | inbox counts |
| ``POST /getSentEdocList`` | documents the system's organ sent, with their state |

A lienthong node sending up (adapters.transport.vdxp_upstream) adds
``Lienthong-Hops`` to ``sendEdoc``: a message that passed this node, or entered
``node.hop_limit`` nodes, is refused as on the peer API (``loop-detected``).

Every answer is JSON with ``status`` (``OK``/``FAIL``), ``ErrorCode`` (``"0"``
on success, else the HTTP status as text) and ``ErrorDesc``; refusals also
carry the RFC 9457 ``type``, ``title`` and ``detail`` (and ``errors`` for an
invalid edXML file) and the matching 4xx/5xx HTTP status.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from aiohttp import web

from adapters.http.models import json_response
from adapters.http.problem import Handler, error_problem, http_problem
from adapters.http.spool import discard
from adapters.http.state import SERVICES
from adapters.http.streaming import send_pieces
from adapters.http.vdxp_auth import PREFIX, SignedRequest, signature_parts
from adapters.http.vdxp_body import (
    Agency,
    Received,
    SentDocument,
    VdxpAgencyList,
    VdxpCount,
    VdxpReceivedList,
    VdxpSent,
    VdxpSentList,
    VdxpUpdated,
)
from adapters.transport.headers import HOPS, parse_hops
from node.errors import BadRequest, LienthongError, NotFound
from node.model import MessageKind
from node.organ import organ_id_problem
from node.ports.api import InboxItem, IncomingBody, MessageSummary
from node.ports.driven import StoredBody
from node.routing import check_hops

log = logging.getLogger("lienthong.vdxp")

SIGNED = web.RequestKey("vdxp_request", SignedRequest)
DOCUMENT_TYPES = frozenset({"edoc", "update", "replacement", "revocation"})
MESSAGE_TYPES = DOCUMENT_TYPES | {"status"}
PAGE = 200
MAX_LIST = 2000
"""Longest list one call returns (VDXP lists have no paging)."""
B64_CHUNK = 3 * (1 << 18)
"""Raw bytes per base64 step: a multiple of 3, so pieces concatenate cleanly."""


def build_vdxp_app() -> web.Application:
    app = web.Application(middlewares=[vdxp_answers, vdxp_auth])
    app.router.add_post("/sendEdoc", send_edoc)
    app.router.add_post("/getReceivedEdocList", received_list)
    app.router.add_post("/getEdoc", get_edoc)
    app.router.add_post("/updateStatus", update_status)
    app.router.add_get("/downloadEdoc", download_edoc, allow_head=False)
    for path, handler in (
        ("/countReceiveEdoc", count_documents),
        ("/countReceiveStatus", count_statuses),
    ):
        # The SDK POSTs them with body {} (its "GET" argument is ignored).
        app.router.add_post(path, handler)
        app.router.add_get(path, handler, allow_head=False)
    app.router.add_post("/getSentEdocList", sent_list)
    for path in AGENCY_CALLS:
        app.router.add_post(path, agency_call)
    return app


def _error_desc(body: dict[str, Any]) -> str:
    """The problem's detail, with each validation error spelled out: ErrorDesc is
    all an SDK user sees (the SDK drops every other field of a refusal)."""
    detail = str(body["detail"])
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors:
        return detail
    parts = []
    for error in errors:
        if not isinstance(error, dict) or error.get("message") == detail:
            continue
        line = f"line {error['line']}: " if error.get("line") else ""
        parts.append(f"{line}{error.get('path') or '/'}: {error.get('message')}")
    return f"{detail}: {'; '.join(parts)}" if parts else detail


@web.middleware
async def vdxp_answers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals in the VDXP shape (and the problem+json fields beside it)."""
    headers: dict[str, str] = {}
    try:
        return await handler(request)
    except LienthongError as exc:
        body = error_problem(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        body = http_problem(exc)
        if "Allow" in exc.headers:
            headers["Allow"] = exc.headers["Allow"]
    status = int(body.pop("status"))
    if status >= 500:
        log.warning("VDXP request refused: %s", body["detail"], extra={"path": request.path})
    # VDXP's own "status" ("FAIL") takes the place of the problem's numeric one.
    answer = {
        "status": "FAIL",
        "ErrorCode": str(status),
        "ErrorDesc": _error_desc(body),
        # Every field the SDK reads with getAsString: without them it drops the
        # answer, error text included (sendEdoc reads DocId, the counts count).
        "DocId": "",
        "count": 0,
        "data": [],
        **body,
    }
    if request.path.endswith("/downloadEdoc"):
        # The SDK writes any body into the .edxml file and reports SUCCESS; only
        # an empty body makes it report FAIL. The reason goes in headers.
        headers["XroadVnpt-ErrorCode"] = str(status)
        headers["XroadVnpt-ErrorDesc"] = _header_text(body["detail"])
        return web.Response(status=status, body=b"", headers=headers)
    if status == 401:
        headers["WWW-Authenticate"] = 'XroadVnpt realm="lienthong"'
    return web.Response(
        status=status,
        text=json.dumps(answer, ensure_ascii=False),
        content_type="application/json",
        headers=headers,
    )


@web.middleware
async def vdxp_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.match_info.http_exception is not None:
        return await handler(request)  # unknown call or method: 404/405 as everywhere
    auth = request.config_dict[SERVICES].vdxp_auth
    if auth is None or not auth.enabled:
        signature_parts(request.headers)  # unsigned: 401 first, as everywhere
        raise NotFound(
            "the VDXP-compatible API is not enabled on this node "
            "(give a DMS a vdxp_secret_env in node.toml)"
        )
    request[SIGNED] = auth.authenticate(request.headers)
    return await handler(request)


# ---------------------------------------------------------------------------- sending


async def send_edoc(request: web.Request) -> web.Response:
    signed = request[SIGNED]
    services = request.config_dict[SERVICES]
    sender = signed.get("from")
    organs = signed.system.principal.organs
    if sender is not None and sender.strip() and sender.strip() not in organs:
        raise BadRequest(
            f"from {sender.strip()!r} is not an organ of system {signed.system.system_id} "
            f"({', '.join(sorted(organs))})"
        )
    to = signed.get("to")
    if to is not None and to.strip():
        _recipients(to)  # checked for form; the envelope's To routes it
    kind = _message_kind(signed.require("messagetype"))
    service = signed.get("servicetype")
    if service is not None and service.strip().lower() != "edoc":
        raise BadRequest(f"servicetype {service!r} is not supported here (only eDoc)")
    declared = _hex(signed.require("hash-file"))
    body = await services.spool.receive(  # a file: the SDK's CRLF is cut from it in place
        request.content, declared=request.content_length, memory=False
    )
    try:  # the body is read first: a sender still writing it would see a broken pipe
        _check_hops(request.headers.get(HOPS), services.node_organ, services.hop_limit)
        body = await _without_sdk_crlf(body, declared)
        if _hex(body.sha256) != declared:
            raise BadRequest(
                f"hash-file {declared} is not the SHA-256 of the body ({body.sha256}): "
                "the file was altered or cut on the way"
            )
        result = await services.exchange.submit(body, principal=signed.system.principal, kind=kind)
    except BaseException:
        discard(body)
        raise
    log.info(
        "VDXP %s %s",
        kind.value,
        "duplicate" if result.duplicate else "accepted",
        extra={"message_id": result.id, "client": signed.system.principal.client_id},
    )
    return json_response(
        VdxpSent(DocId=result.id, document_id=result.document_id, state=result.state)
    )


def _check_hops(text: str | None, node_organ: str, limit: int) -> None:
    """A lienthong node sending up names the nodes the message passed in
    ``Lienthong-Hops`` (unsigned, beside the SDK's headers; the SDK sends
    none): a message that passed this node already, or entered ``limit``
    nodes, is refused (``loop-detected``: FAIL, permanent for the sender)."""
    if text is None:
        return
    try:
        hops = parse_hops(text)
    except LienthongError as exc:
        raise BadRequest(exc.detail) from None
    check_hops(hops, node_organ=node_organ, limit=limit)


def _hex(digest: str) -> str:
    """The SDK writes each byte with ``Integer.toHexString`` (no zero padding);
    compare digests in that form."""
    text = digest.strip().lower()
    if len(text) == 64:
        return "".join(f"{int(text[i : i + 2], 16):x}" for i in range(0, 64, 2))
    return text


async def _without_sdk_crlf(body: IncomingBody, declared: str) -> IncomingBody:
    """The SDK (``MultipartUtility.addInputStreamPart``) sends the raw file then
    CRLF, and hashes the file alone: when the body's hash does not match but the
    body minus a final CRLF does, that CRLF is the SDK's and is cut off."""
    if _hex(body.sha256) == declared or body.size < 3:
        return body
    return await asyncio.to_thread(_cut_crlf, body, declared)


def _cut_crlf(body: IncomingBody, declared: str) -> IncomingBody:
    with body.path.open("r+b") as f:
        f.seek(body.size - 2)
        if f.read(2) != b"\r\n":
            return body
        f.seek(0)
        digest = hashlib.sha256()
        left = body.size - 2
        while left:  # bounded by the file's size
            chunk = f.read(min(left, 1 << 20))
            if not chunk:
                return body
            digest.update(chunk)
            left -= len(chunk)
        if _hex(digest.hexdigest()) != declared:
            return body
        f.truncate(body.size - 2)
    return IncomingBody(path=body.path, size=body.size - 2, sha256=digest.hexdigest())


def _recipients(raw: str) -> tuple[str, ...]:
    try:
        organs = json.loads(raw)
    except ValueError:
        raise BadRequest(
            f'to must be a JSON array of organ ids, e.g. ["000.00.00.G22"]: {raw!r}'
        ) from None
    if not isinstance(organs, list) or not organs or not all(isinstance(o, str) for o in organs):
        raise BadRequest("to must be a non-empty JSON array of organ ids")
    for organ in organs:
        if problem := organ_id_problem(organ):
            raise BadRequest(f"to: {problem}")
    return tuple(organs)


def _message_kind(raw: str) -> MessageKind:
    value = raw.strip().lower()
    if value not in MESSAGE_TYPES:
        raise BadRequest(f"messagetype {raw!r} is not one of {', '.join(sorted(MESSAGE_TYPES))}")
    return MessageKind.STATUS if value == "status" else MessageKind.DOCUMENT


# ---------------------------------------------------------------------------- receiving


async def received_list(request: web.Request) -> web.Response:
    signed = request[SIGNED]
    kinds = _kinds(signed.get("messagetype"))
    items = [Received.of(i) async for i in _inbox(request, kinds)]
    return json_response(VdxpReceivedList(data=tuple(items)))


async def count_documents(request: web.Request) -> web.Response:
    return json_response(
        VdxpCount(count=sum([1 async for _ in _inbox(request, {MessageKind.DOCUMENT})]))
    )


async def count_statuses(request: web.Request) -> web.Response:
    return json_response(
        VdxpCount(count=sum([1 async for _ in _inbox(request, {MessageKind.STATUS})]))
    )


def _kinds(raw: str | None) -> set[MessageKind]:
    if raw is None or not raw.strip():
        return set(MessageKind)
    return {_message_kind(raw)}


async def _inbox(request: web.Request, kinds: set[MessageKind]) -> AsyncIterator[InboxItem]:
    exchange = request.config_dict[SERVICES].exchange
    principal = request[SIGNED].system.principal
    cursor: str | None = None
    seen = 0
    while seen < MAX_LIST:  # bounded: MAX_LIST / PAGE pages at most
        page = await exchange.inbox(principal, limit=PAGE, cursor=cursor)
        for item in page.items:
            seen += 1
            if item.kind in kinds:
                yield item
        if page.next_cursor is None or not page.items:
            return
        cursor = page.next_cursor


async def download_edoc(request: web.Request) -> web.StreamResponse:
    """The raw stored file (the SDK writes the body into ``<docId>.edxml``)."""
    signed = request[SIGNED]
    message_id = signed.require("docid")
    exchange = request.config_dict[SERVICES].exchange
    body = await exchange.open_message(message_id, signed.system.principal)
    response = web.StreamResponse(headers={"Content-Type": "application/xml"})
    response.content_length = body.size
    return await send_pieces(request, response, body.chunks(B64_CHUNK), message_id)


def _header_text(text: str) -> str:
    """One header line: ASCII, no control characters, bounded."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:512]


AGENCY_CALLS = (
    "/getAgenciesList",
    "/getAgenciesListQD20",
    "/getSynchronizeUnit",
    "/registerAgency",
    "/deleteAgency",
)


async def agency_call(request: web.Request) -> web.Response:
    """The agency directory: the organs this system speaks for. Registering
    and deleting agencies is the node operator's job (node.toml), not the DMS's."""
    signed = request[SIGNED]
    if request.path.endswith(("/registerAgency", "/deleteAgency")):
        raise web.HTTPForbidden(
            text="agencies are registered in the node's node.toml by its operator, "
            "not through the VDXP API"
        )
    organs = sorted(signed.system.principal.organs)
    rows = tuple(Agency.of(organ, signed.system.system_id) for organ in organs)
    return json_response(VdxpAgencyList(data=rows))


async def get_edoc(request: web.Request) -> web.StreamResponse:
    signed = request[SIGNED]
    message_id = signed.require("docid")
    exchange = request.config_dict[SERVICES].exchange
    body = await exchange.open_message(message_id, signed.system.principal)
    return await _stream_base64(request, body, message_id)


async def _stream_base64(
    request: web.Request, body: StoredBody, message_id: str
) -> web.StreamResponse:
    """``{"status": "OK", ..., "data": "<base64>"}`` written as the bytes are
    read: memory stays flat whatever the message weighs."""
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = len(_HEAD) + 4 * ((body.size + 2) // 3) + len(_TAIL)
    return await send_pieces(request, response, _answer_pieces(body), message_id)


_HEAD = b'{"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": "'
_TAIL = b'"}'


async def _answer_pieces(body: StoredBody) -> AsyncIterator[bytes]:
    yield _HEAD
    pending = b""
    async for chunk in body.chunks(B64_CHUNK):
        pending += chunk
        whole = len(pending) - len(pending) % 3
        if whole:
            yield base64.b64encode(pending[:whole])
            pending = pending[whole:]
    if pending:
        yield base64.b64encode(pending)
    yield _TAIL


async def update_status(request: web.Request) -> web.Response:
    signed = request[SIGNED]
    message_id = signed.require("docid")
    status = signed.require("status").lower()
    services = request.config_dict[SERVICES]
    if status == "done":
        await services.exchange.ack(message_id, signed.system.principal)
    elif status == "fail":
        # The DMS could not take it: it stays in the inbox and is offered again.
        await services.exchange.open_message(message_id, signed.system.principal)  # exists, theirs
        log.warning(
            "VDXP DMS reports it failed to take a message; it stays in the inbox",
            extra={"message_id": message_id, "client": signed.system.principal.client_id},
        )
    else:
        raise BadRequest(f"status {status!r} is not done or fail")
    return json_response(VdxpUpdated(docId=message_id))


# ---------------------------------------------------------------------------- sent


async def sent_list(request: web.Request) -> web.Response:
    signed = request[SIGNED]
    admin = request.config_dict[SERVICES].admin
    found: list[SentDocument] = []
    for organ in sorted(signed.system.principal.organs):
        cursor: str | None = None
        for _ in range(MAX_LIST // PAGE):  # bounded
            page = await admin.search(organ=organ, limit=PAGE, cursor=cursor)
            found.extend(SentDocument.of(s) for s in _documents_from(page.items, organ))
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    return json_response(VdxpSentList(data=tuple(found)))


def _documents_from(items: tuple[MessageSummary, ...], organ: str) -> Iterator[MessageSummary]:
    return (s for s in items if s.kind is MessageKind.DOCUMENT and s.sender == organ)


__all__ = ["PREFIX", "build_vdxp_app"]
