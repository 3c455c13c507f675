"""Real servers on 127.0.0.1 for transport tests: a peer node's receiving side
(mutual TLS with ``server_context`` + ``identify_peer`` + the wire format) and a
DMS webhook receiver that checks signatures with ``verify_webhook_signature``."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from adapters.tls import PinnedPeer, identify_peer
from adapters.transport.headers import BadTransferHeaders, parse_transfer_headers
from adapters.transport.webhook import WebhookSignatureInvalid, verify_webhook_signature
from node.ports.driven import TransferMeta


@dataclass(frozen=True)
class Received:
    peer: str | None
    meta: TransferMeta | None
    sha256: str
    size: int
    headers: dict[str, str]


def problem(
    status: int, kind: str, detail: str, errors: list[dict[str, object]] | None = None
) -> web.Response:
    body: dict[str, object] = {
        "type": f"https://lienthong.dev/problems/{kind}",
        "title": kind.replace("-", " "),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return web.json_response(body, status=status, content_type="application/problem+json")


async def read_hashed(request: web.Request) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    async for chunk in request.content.iter_chunked(1 << 16):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


@dataclass
class _Server:
    ssl_context: ssl.SSLContext | None = None
    received: list[Received] = field(default_factory=list)
    mode: str = "accept"
    """accept | status:<code> | hang | disconnect-once | redirect"""
    _runner: web.AppRunner | None = None
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def start(self, app: web.Application) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock, ssl_context=self.ssl_context).start()
        scheme = "https" if self.ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _scripted(self, request: web.Request) -> web.StreamResponse | None:
        """The non-accepting modes; None means go on and accept."""
        if self.mode == "hang":
            await self._release.wait()
        if self.mode == "disconnect-once":
            self.mode = "accept"
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        if self.mode == "redirect":
            raise web.HTTPFound("https://127.0.0.1:1/elsewhere")
        if self.mode.startswith("status:"):
            status = int(self.mode.split(":")[1])
            if status >= 500:
                return problem(status, "store-unavailable", "store unavailable")
            return problem(
                status,
                "validation-failed",
                "1 validation error(s)",
                [{"line": 7, "path": "/edXML/DocumentId", "message": "DocumentId is malformed"}],
            )
        return None


class FakePeerNode(_Server):
    """POST /peer/v1/messages as a peer node answers it."""

    def __init__(self, ssl_context: ssl.SSLContext, peers: list[PinnedPeer]) -> None:
        super().__init__(ssl_context=ssl_context)
        self.peers = peers
        self.answers: dict[str, dict[str, str]] = {}
        self.refused_clients = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/peer/v1/messages", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        ssl_object = request.transport.get_extra_info("ssl_object")
        peer = identify_peer(ssl_object.getpeercert(binary_form=True), self.peers)
        if peer is None:
            self.refused_clients += 1
            return problem(403, "forbidden", "client certificate belongs to no configured peer")
        try:
            meta, claimed = parse_transfer_headers(request.headers)
        except BadTransferHeaders as exc:
            return problem(400, exc.kind, exc.detail)
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        sha, size = await read_hashed(request)
        if sha != claimed:
            return problem(400, "content-mismatch", "body does not match Lienthong-Content-SHA256")
        self.received.append(Received(peer, meta, sha, size, dict(request.headers)))
        if meta.message_id in self.answers:
            return web.json_response(self.answers[meta.message_id], status=200)
        answer = {"id": f"B-{len(self.answers) + 1}", "document_id": "doc", "state": "stored"}
        self.answers[meta.message_id] = answer
        return web.json_response(answer, status=202)


class FakeDmsWebhook(_Server):
    """A DMS's webhook endpoint that checks signatures like a careful integrator."""

    def __init__(self, secret: str, *, tolerance: float = 300.0) -> None:
        super().__init__()
        self.secret = secret
        self.tolerance = tolerance
        self.refusals: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        scripted = await self._scripted(request)
        if scripted is not None:
            return scripted
        sha, size = await read_hashed(request)
        try:
            verify_webhook_signature(
                self.secret, request.headers, sha, datetime.now(UTC), self.tolerance
            )
        except WebhookSignatureInvalid as exc:
            self.refusals.append(exc.detail)
            return problem(401, exc.kind, exc.detail)
        self.received.append(Received(None, None, sha, size, dict(request.headers)))
        return web.Response(status=204)
