"""RFC 9457 problem details: every refusal leaves the node as
``application/problem+json`` with a stable ``type``.

``LienthongError`` kinds map one to one; aiohttp's own answers (404 unknown
path, 405 wrong method, 413 body too large) are rewritten into the same shape;
anything unexpected becomes a bare 500 whose body says nothing about the
internals and whose log line (with the traceback) carries an incident id that
the body repeats, so an operator can find it.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from node.errors import (
    BadRequest,
    LienthongError,
    MalformedXml,
    SignatureRejected,
    ValidationFailed,
)

PROBLEM_TYPE_BASE = "https://lienthong.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

log = logging.getLogger("lienthong.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_KINDS: Mapping[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    408: ("request-timeout", "Request timeout"),
    413: ("too-large", "Message too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    431: ("headers-too-large", "Request headers too large"),
}


def problem_body(kind: str, title: str, status: int, detail: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(
    body: Mapping[str, Any], *, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=int(body["status"]),
        text=json.dumps(body, ensure_ascii=False),
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )


def error_problem(exc: LienthongError) -> dict[str, Any]:
    """The problem document of one of our errors."""
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationFailed | BadRequest) and exc.issues:
        extra["errors"] = [issue.as_dict() for issue in exc.issues]
    elif isinstance(exc, MalformedXml):
        extra["errors"] = [{"line": exc.line, "path": "", "message": exc.detail}]
    elif isinstance(exc, SignatureRejected):
        extra["reasons"] = list(exc.reasons)
    return problem_body(exc.kind, exc.title, exc.http_status, exc.detail, **extra)


def http_problem(exc: web.HTTPException) -> dict[str, Any]:
    """aiohttp's own error answers in our shape."""
    kind, title = _HTTP_KINDS.get(exc.status, (f"http-{exc.status}", exc.reason))
    detail = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
    if exc.status == 404:
        detail = "no such resource"
    elif exc.status == 405:
        allowed = exc.headers.get("Allow", "")
        detail = f"method not allowed here (allowed: {allowed})" if allowed else exc.reason
    return problem_body(kind, title, exc.status, detail)


def _headers_for(status: int, source: Mapping[str, str] | None = None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if source and "Allow" in source:
        headers["Allow"] = source["Allow"]
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="lienthong"'
    return headers


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware of every app: nothing leaves except as problem+json."""
    try:
        return await handler(request)
    except Exception as exc:  # noqa: BLE001 - every failure becomes an answer here
        if not _client_gone(request):
            return _failure(request, exc)
        # The client hung up (mid-upload, typically): nobody reads an answer,
        # and it is neither the client's fault in the 4xx sense nor ours.
        log.info(
            "client closed the connection: %s %s (%s)",
            request.method,
            request.path,
            type(exc).__name__,
            extra={"path": request.path, "status": CLIENT_CLOSED},
        )
        return web.Response(status=CLIENT_CLOSED, reason="Client Closed Request")


CLIENT_CLOSED = 499
"""nginx's code for "client closed the request": what the access log records."""


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _failure(request: web.Request, exc: Exception) -> web.StreamResponse:
    if isinstance(exc, LienthongError):
        if exc.http_status >= 500:
            log.warning(
                "request refused: %s",
                exc.detail,
                extra={"kind": exc.kind, "path": request.path, "status": exc.http_status},
            )
        return problem_response(error_problem(exc), headers=_headers_for(exc.http_status))
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        return problem_response(http_problem(exc), headers=_headers_for(exc.status, exc.headers))
    incident = uuid.uuid4().hex
    log.error(
        "unexpected error handling %s %s",
        request.method,
        request.path,
        exc_info=exc,
        extra={"incident": incident, "path": request.path},
    )
    body = problem_body(
        "internal-error",
        "Internal error",
        500,
        f"the node failed to handle this request; incident {incident} is in its log",
        incident=incident,
    )
    return problem_response(body)
