"""Two real nodes in this process, set up as an operator would (`lienthong pki
init`, `lienthong init`: tests/support/harness/nodes.make_pair): A serves H41, B serves
G22, each the other's default peer, over mutual TLS on 127.0.0.1, with the real
store (SQLite), engine, signing and transport. The hostile suite attacks B
through its DMS listener, and through its peer listener as A (A's own client
certificate: a compromised or buggy peer)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio

from node.app.bootstrap import NodeService, running_node
from node.config import load_config
from signing.keys import PemKeyFile
from signing.xmlsign import XmlSigner
from tests.support.harness.nodes import G22, H41, NodeSetup, make_pair


@dataclass
class Pair:
    a: NodeSetup
    b: NodeSetup
    a_service: NodeService
    b_service: NodeService
    pki: Path
    http: aiohttp.ClientSession
    as_a: ssl.SSLContext
    """A client TLS context with A's node certificate: B takes it for peer h41."""

    @property
    def b_peer_url(self) -> str:
        assert self.b_service.peer_url is not None
        return self.b_service.peer_url

    def signer(self, organ: str) -> XmlSigner:
        return XmlSigner.from_source(
            organ, PemKeyFile(self.pki / f"{organ}.key"), self.pki / f"{organ}.pem"
        )

    def secrets(self) -> tuple[str, ...]:
        return (self.a.dms_token, self.a.admin_token, self.b.dms_token, self.b.admin_token)

    async def post_peer(
        self, body: bytes, *, headers: Mapping[str, str] | None = None, **meta: str
    ) -> tuple[int, str, Any]:
        """POST to B's peer API as A: (status, content type, JSON body or text)."""
        values = {
            "Lienthong-Message-Id": meta.get("message_id", "h41-hostile"),
            "Lienthong-Kind": meta.get("kind", "document"),
            "Lienthong-Recipients": meta.get("recipients", G22),
            "Lienthong-Hops": json.dumps(
                [{"node": H41, "at": datetime.now(UTC).isoformat(), "direction": "out"}]
            ),
            "Lienthong-Content-SHA256": hashlib.sha256(body).hexdigest(),
            "Content-Type": "application/xml",
            **(headers or {}),
        }
        async with self.http.post(
            f"{self.b_peer_url}/peer/v1/messages", data=body, headers=values, ssl=self.as_a
        ) as resp:
            return await _answer(resp)

    async def post_dms(
        self, body: bytes, *, path: str = "/api/v1/documents", token: str | None = None
    ) -> tuple[int, str, Any]:
        headers = {
            "Authorization": f"Bearer {self.b.dms_token if token is None else token}",
            "Content-Type": "application/xml",
        }
        async with self.http.post(
            f"{self.b_service.dms_url}{path}", data=body, headers=headers
        ) as resp:
            return await _answer(resp)

    async def messages(self, node: str) -> list[dict[str, Any]]:
        """Every message the node stored (admin API, first page of 500)."""
        setup, service = (self.a, self.a_service) if node == "a" else (self.b, self.b_service)
        async with self.http.get(
            f"{service.dms_url}/admin/v1/messages?limit=500",
            headers={"Authorization": f"Bearer {setup.admin_token}"},
        ) as resp:
            assert resp.status == 200, await resp.text()
            items: list[dict[str, Any]] = (await resp.json())["items"]
            return items

    async def ready(self) -> tuple[int, int]:
        codes = []
        for service in (self.a_service, self.b_service):
            async with self.http.get(f"{service.dms_url}/readyz") as resp:
                codes.append(resp.status)
        return codes[0], codes[1]

    async def wait_for_status(self, node: str, document_id: str, code: str) -> dict[str, Any]:
        """The status ``code`` about ``document_id`` once ``node`` holds it (bounded)."""
        for _ in range(200):
            for item in await self.messages(node):
                if item["document_id"] == document_id and item["status_code"] == code:
                    return item
            await asyncio.sleep(0.05)
        raise AssertionError(f"node {node} holds no status {code} about {document_id}")


async def _answer(resp: aiohttp.ClientResponse) -> tuple[int, str, Any]:
    text = await resp.text()
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = text
    return resp.status, resp.content_type, body


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def pair(tmp_path_factory: Any) -> AsyncIterator[Pair]:
    root: Path = tmp_path_factory.mktemp("hostile")
    a, b = await asyncio.to_thread(make_pair, root)
    pki = root / "pki"
    as_a = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    as_a.check_hostname = False  # B's certificate is pinned by the node, not by name
    as_a.load_cert_chain(str(pki / f"{H41}.tls.pem"), str(pki / f"{H41}.tls.key"))
    async with (
        running_node(load_config(b.config), environ={}) as b_service,
        running_node(load_config(a.config), environ={}) as a_service,
        aiohttp.ClientSession() as http,
    ):
        yield Pair(a, b, a_service, b_service, pki, http, as_a)
