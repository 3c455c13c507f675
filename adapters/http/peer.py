"""The peer API (``POST /peer/v1/messages``) served on the mutual-TLS listener.

The client certificate names the peer (it must equal one configured peer's
expected certificate); the headers carry TransferMeta; the body is spooled and
its hash checked against ``Lienthong-Content-SHA256``. Whether this peer may
carry mail from the envelope's sender is the engine's check in
``ExchangeApi.receive`` (it parses the envelope; Forbidden otherwise)."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.http.models import json_response
from adapters.http.params import Params
from adapters.http.spool import discard
from adapters.http.state import SERVICES
from adapters.tls import fingerprint, identify_peer
from adapters.transport.headers import CONTENT_SHA256, parse_transfer_headers
from node.errors import BadRequest, Forbidden, Issue, Unauthorized
from node.ports.api import PeerPrincipal

PATH = "/peer/v1/messages"

log = logging.getLogger("lienthong.peer")


def add_peer_routes(app: web.Application) -> None:
    app.router.add_post(PATH, receive)


def peer_principal(request: web.Request) -> PeerPrincipal:
    """The configured peer whose pin the (chain-verified) client certificate matches."""
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        raise Unauthorized("the peer API needs a TLS client certificate")
    peers = request.config_dict[SERVICES].peers
    name = identify_peer(der, peers)
    if name is None:
        raise Forbidden(
            f"the client certificate (SHA-256 {fingerprint(der)}) is not the expected "
            "certificate of any configured peer"
        )
    return next(p.principal for p in peers if p.name == name)


async def receive(request: web.Request) -> web.Response:
    services = request.config_dict[SERVICES]
    peer = peer_principal(request)
    Params(request.query).done()
    meta, announced = parse_transfer_headers(request.headers)
    body = await services.spool.receive(request.content, declared=request.content_length)
    try:
        if body.sha256 != announced:
            raise BadRequest(
                "the body does not match its announced hash",
                [
                    Issue(
                        None,
                        f"header.{CONTENT_SHA256}",
                        f"announced {announced}, received {body.sha256}",
                    )
                ],
            )
        result = await services.exchange.receive(body, peer=peer, meta=meta)
    except BaseException:
        discard(body)  # safety net: the core disposes of the body on every path
        raise
    log.info(
        "duplicate transfer answered with the first result" if result.duplicate else "received",
        extra={
            "message_id": result.id,
            "document_id": result.document_id,
            "peer": peer.peer_id,
            "state": result.state,
        },
    )
    return json_response(result, status=200 if result.duplicate else 202)
