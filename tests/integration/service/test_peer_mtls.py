"""The peer API over mutual TLS: only a configured peer's certificate gets in;
headers and body hash are checked before the core sees anything."""

from __future__ import annotations

import hashlib
import json
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from adapters.transport.headers import transfer_headers
from node.model import MessageKind
from node.ports.driven import Direction, Hop, TransferMeta
from tests.integration.service.conftest import Harness, harness
from tests.support.fakes import NOW
from tests.support.nodes import G22, S41
from tests.support.tlspki import TestCa


@pytest.fixture
async def peer_node(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path, with_peer=True) as h:
        yield h


def client_context(ca: TestCa, name: str | None, other_ca: TestCa | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca.path))
    issuer = other_ca or ca
    if name is not None:
        issued = issuer.issue(name)
        context.load_cert_chain(issued.cert, issued.key)
    return context


def _g22(ca: TestCa) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca.path))
    context.load_cert_chain(ca.directory / "g22-node.pem", ca.directory / "g22-node.key")
    return context


def _headers(body: bytes, message_id: str = "g22-0001") -> dict[str, str]:
    meta = TransferMeta(message_id, MessageKind.DOCUMENT, (S41,), (Hop("g22", NOW, Direction.OUT),))
    return {
        **transfer_headers(meta, hashlib.sha256(body).hexdigest()),
        "Content-Type": "application/xml",
    }


async def _post(
    node: Harness, context: ssl.SSLContext, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, object]]:
    assert node.service.peer_url is not None
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{node.service.peer_url}/peer/v1/messages", data=body, headers=headers, ssl=context
        ) as resp,
    ):
        return resp.status, await resp.json(content_type=None)


async def test_configured_peer_delivers_and_redelivery_is_a_duplicate(
    peer_node: Harness, sample_document: bytes
) -> None:
    assert peer_node.test.ca is not None
    context = _g22(peer_node.test.ca)
    status, body = await _post(peer_node, context, sample_document, _headers(sample_document))
    assert status == 202
    assert body["id"] == "g22-0001"
    status, again = await _post(peer_node, context, sample_document, _headers(sample_document))
    assert (status, again) == (200, body)
    peer = peer_node.exchange.received_from[0]
    assert (peer.peer_id, peer.node_organ) == ("g22", G22)
    assert peer_node.exchange.messages["g22-0001"].recipients == (S41,)
    assert peer_node.spooled() == []


async def test_certificate_of_no_configured_peer_is_403(
    peer_node: Harness, sample_document: bytes
) -> None:
    assert peer_node.test.ca is not None
    rogue = client_context(peer_node.test.ca, "rogue-node")  # same CA, not a configured peer
    status, body = await _post(peer_node, rogue, sample_document, _headers(sample_document))
    assert status == 403
    assert body["type"] == "https://lienthong.dev/problems/forbidden"
    assert peer_node.exchange.messages == {}
    assert peer_node.spooled() == []


@pytest.mark.parametrize("who", ["untrusted-ca", "no-certificate"])
async def test_wrong_client_certificate_is_refused_by_tls_quickly(
    peer_node: Harness, sample_document: bytes, tmp_path: Path, who: str
) -> None:
    assert peer_node.test.ca is not None
    if who == "untrusted-ca":
        context = client_context(peer_node.test.ca, "g22-node", other_ca=TestCa(tmp_path / "x"))
    else:
        context = client_context(peer_node.test.ca, None)
    started = time.monotonic()
    with pytest.raises(aiohttp.ClientError):
        await _post(peer_node, context, sample_document, _headers(sample_document))
    assert time.monotonic() - started < 1.0
    assert peer_node.exchange.messages == {}


async def test_plain_http_to_the_peer_listener_gets_nothing(
    peer_node: Harness, sample_document: bytes
) -> None:
    assert peer_node.service.peer_url is not None
    url = peer_node.service.peer_url.replace("https://", "http://") + "/peer/v1/messages"
    with pytest.raises(aiohttp.ClientError):
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=sample_document, headers=_headers(sample_document)) as resp,
        ):
            await resp.read()
    assert peer_node.exchange.messages == {}


async def test_body_not_matching_its_hash_is_400(
    peer_node: Harness, sample_document: bytes
) -> None:
    assert peer_node.test.ca is not None
    headers = _headers(sample_document + b" ")
    status, body = await _post(peer_node, _g22(peer_node.test.ca), sample_document, headers)
    assert status == 400
    assert body["errors"][0]["path"] == "header.Lienthong-Content-SHA256"  # type: ignore[index]
    assert peer_node.exchange.messages == {}
    assert peer_node.spooled() == []


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Lienthong-Message-Id", "bad id with spaces"),
        ("Lienthong-Kind", "letter"),
        ("Lienthong-Recipients", "not-an-organ"),
        ("Lienthong-Hops", json.dumps([{"node": "x"}])),
        ("Lienthong-Content-SHA256", "abc"),
    ],
)
async def test_a_bad_transfer_header_is_named(
    peer_node: Harness, sample_document: bytes, header: str, value: str
) -> None:
    assert peer_node.test.ca is not None
    headers = {**_headers(sample_document), header: value}
    status, body = await _post(peer_node, _g22(peer_node.test.ca), sample_document, headers)
    assert status == 400
    assert body["type"] == "https://lienthong.dev/problems/bad-transfer-headers"
    assert header in str(body["detail"])
    assert peer_node.exchange.messages == {}


async def test_a_missing_transfer_header_is_named(
    peer_node: Harness, sample_document: bytes
) -> None:
    assert peer_node.test.ca is not None
    headers = _headers(sample_document)
    del headers["Lienthong-Hops"]
    status, body = await _post(peer_node, _g22(peer_node.test.ca), sample_document, headers)
    assert status == 400
    assert body["detail"] == "header Lienthong-Hops is missing"
