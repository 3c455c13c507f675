"""Malformed HTTP gets a problem+json answer too, and leaves nothing secret in the log.

aiohttp answers a request its low-level parser cannot read (a header longer
than the limit, an obs-fold continuation line, Transfer-Encoding with
Content-Length, a bad request line) from ``RequestHandler.handle_error``
before any application or middleware runs: ``400 text/plain`` echoing the
offending input, logged with ``logger.exception`` (level error, traceback,
and the exception's message, which quotes the raw header line: for an
obs-folded ``Authorization`` that is the bearer token).

:class:`ProblemRequestHandler` replaces that one method: the answer is
problem+json naming only the kind of fault; the log line is a warning with
the peer address and the kind, never the parser's message, a header value or
a traceback. :class:`ProblemAppRunner` is ``web.AppRunner`` serving with it.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from aiohttp import http_exceptions, web, web_protocol, web_server

from adapters.http.problem import PROBLEM_CONTENT_TYPE, problem_body

log = logging.getLogger("lienthong.http")

# (exception class, status, kind, title, detail), first match wins: the
# detail says what is wrong in general terms, never what the client sent.
_PARSER_FAULTS: tuple[tuple[type[BaseException], int, str, str, str], ...] = (
    (
        http_exceptions.LineTooLong,
        431,
        "headers-too-large",
        "Request headers too large",
        "the request line or a header field is longer than the node accepts",
    ),
    (
        http_exceptions.BadHttpMethod,
        400,
        "bad-request",
        "Bad request",
        "the request line is not HTTP/1.x (bad method); is this HTTPS sent to an HTTP port?",
    ),
    (
        http_exceptions.BadStatusLine,
        400,
        "bad-request",
        "Bad request",
        "the request line is malformed",
    ),
    (
        http_exceptions.InvalidHeader,
        400,
        "bad-request",
        "Bad request",
        "a header field is malformed (obsolete line folding, a bad name or a bad value)",
    ),
    (
        http_exceptions.TransferEncodingError,
        400,
        "bad-request",
        "Bad request",
        "the body's transfer encoding is malformed",
    ),
    (
        http_exceptions.ContentLengthError,
        400,
        "bad-request",
        "Bad request",
        "the body does not match its Content-Length",
    ),
    (
        http_exceptions.InvalidURLError,
        400,
        "bad-request",
        "Bad request",
        "the request target is not a valid URL",
    ),
)
_GENERIC = (
    400,
    "bad-request",
    "Bad request",
    "the request is not well-formed HTTP/1.1 (e.g. a header folded over lines, "
    "Transfer-Encoding together with Content-Length, or a bad header)",
)


def parser_fault(exc: BaseException | None) -> tuple[int, str, str, str]:
    """(status, kind, title, detail) for a request the HTTP parser refused."""
    for cls, status, kind, title, detail in _PARSER_FAULTS:
        if isinstance(exc, cls):
            return status, kind, title, detail
    return _GENERIC


class ProblemRequestHandler(web_protocol.RequestHandler):
    """aiohttp's connection handler, with our answer to what its parser refuses."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        del message  # the parser's message quotes the client's bytes: never echoed
        if request.writer.output_size > 0:
            raise ConnectionError("response already started; cannot send an error answer")
        if status >= 500 or not isinstance(exc, http_exceptions.HttpProcessingError):
            incident = uuid.uuid4().hex
            log.error(
                "unexpected error in the HTTP connection handler",
                exc_info=exc,
                extra={"incident": incident, "remote": request.remote},
            )
            body = problem_body(
                "internal-error",
                "Internal error",
                500,
                f"the node failed to handle this request; incident {incident} is in its log",
                incident=incident,
            )
        else:
            code, kind, title, detail = parser_fault(exc)
            log.warning(
                "malformed HTTP request refused (%s): %s",
                type(exc).__name__,
                detail,
                extra={"remote": request.remote, "status": code, "kind": kind},
            )
            body = problem_body(kind, title, code, detail)
        response = web.Response(
            status=int(body["status"]),
            text=json.dumps(body, ensure_ascii=False),
            content_type=PROBLEM_CONTENT_TYPE,
        )
        response.force_close()
        return response


class ProblemServer(web_server.Server):
    """aiohttp's low-level server building :class:`ProblemRequestHandler` connections."""

    def __call__(self) -> web_protocol.RequestHandler:
        return ProblemRequestHandler(self, loop=self._loop, **self._kwargs)


class ProblemAppRunner(web.AppRunner):
    """``web.AppRunner`` whose connections answer malformed HTTP as problem+json."""

    async def _make_server(self) -> web_server.Server:
        server = await super()._make_server()
        return _problem_server(server)


def _problem_server(server: web_server.Server) -> ProblemServer:
    options: dict[str, Any] = dict(server._kwargs)
    return ProblemServer(
        server.request_handler,
        request_factory=server.request_factory,
        handler_cancellation=server.handler_cancellation,
        loop=server._loop,
        **options,
    )
