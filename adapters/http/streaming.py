"""Stored message bytes out to an HTTP client, chunk by chunk, byte for byte."""

from __future__ import annotations

import logging

from aiohttp import web

from node.errors import LienthongError
from node.ports import StoredBody

CONTENT_SHA256 = "Lienthong-Content-SHA256"

log = logging.getLogger("lienthong.http")


async def stream_body(
    request: web.Request, body: StoredBody, message_id: str
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"Content-Type": "application/xml", CONTENT_SHA256: body.sha256}
    )
    response.content_length = body.size
    await response.prepare(request)
    try:
        async for chunk in body.chunks():
            await response.write(chunk)
    except (OSError, LienthongError) as exc:
        # The client went away or the store failed mid-body: the status line is
        # already sent, so the only honest answer left is to cut the connection.
        log.warning("message body not sent completely: %s", exc, extra={"message_id": message_id})
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response
