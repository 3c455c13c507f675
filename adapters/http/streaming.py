"""Stored message bytes out to an HTTP client, chunk by chunk, byte for byte."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from node.errors import LienthongError
from node.ports.driven import StoredBody

CONTENT_SHA256 = "Lienthong-Content-SHA256"

log = logging.getLogger("lienthong.http")


async def stream_body(
    request: web.Request, body: StoredBody, message_id: str
) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"Content-Type": "application/xml", CONTENT_SHA256: body.sha256}
    )
    response.content_length = body.size
    return await send_pieces(request, response, body.chunks(), message_id)


async def send_pieces(
    request: web.Request,
    response: web.StreamResponse,
    pieces: AsyncIterator[bytes],
    message_id: str,
) -> web.StreamResponse:
    """Prepare ``response`` and write ``pieces`` as they come."""
    await response.prepare(request)
    try:
        async for piece in pieces:
            await response.write(piece)
    except (OSError, LienthongError) as exc:
        # The client went away or the store failed mid-body: the status line is
        # already sent, so the only honest answer left is to cut the connection.
        log.warning("message body not sent completely: %s", exc, extra={"message_id": message_id})
        if request.transport is not None:
            request.transport.close()
        return response
    await response.write_eof()
    return response
