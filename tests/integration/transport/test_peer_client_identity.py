"""The receiving side: ``server_context`` refuses clients without a certificate
of our CA (or with a revoked or expired one) in the handshake, and
``identify_peer`` refuses a valid certificate that belongs to no configured peer."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import pytest

from adapters.tls import server_context
from node.ports.driven import Destination, DestinationKind, Outcome
from tests.helpers.bodies import BytesBody
from tests.helpers.peer_server import FakePeerNode
from tests.helpers.tls_pki import TestPki

from .conftest import meta, node_a_as_peer, transport_to

PEER_B = Destination(DestinationKind.PEER, "B")


@pytest.fixture
async def strict_b(pki: TestPki) -> AsyncIterator[FakePeerNode]:
    """Node B checking client certificates against the CRL too."""
    ctx = server_context(pki.node_b.cert, pki.node_b.key, pki.ca, crl=pki.crl)
    node = FakePeerNode(ctx, [node_a_as_peer(pki)])
    await node.start(node.app())
    yield node
    await node.close()


@pytest.mark.parametrize("client", ["rogue", "revoked", "expired"])
async def test_client_certificate_refused_in_handshake(
    pki: TestPki, strict_b: FakePeerNode, client: str
) -> None:
    transport = transport_to(pki, strict_b.url, client=getattr(pki, client))
    async with transport:
        got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.TRANSIENT
    assert strict_b.received == []
    assert strict_b.refused_clients == 0  # never reached the application


async def test_valid_certificate_of_unconfigured_node_is_forbidden(
    pki: TestPki, strict_b: FakePeerNode
) -> None:
    transport = transport_to(pki, strict_b.url, client=pki.other)
    async with transport:
        got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.PERMANENT
    assert got.http_status == 403
    assert strict_b.refused_clients == 1
    assert strict_b.received == []


async def test_client_without_certificate_refused(pki: TestPki, strict_b: FakePeerNode) -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca)
    ctx.check_hostname = False
    host, port = strict_b.url.removeprefix("https://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port), ssl=ctx)
    try:
        writer.write(b"POST /peer/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        try:
            answer = await asyncio.wait_for(reader.read(1024), 2)
        except (ssl.SSLError, ConnectionError):
            answer = b""
    finally:
        writer.close()
    assert answer == b""  # no HTTP answer at all: the handshake was refused
    assert strict_b.received == []
    assert strict_b.refused_clients == 0
