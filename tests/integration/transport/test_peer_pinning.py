"""The server must chain to our CA *and* be the peer we expect: anything else is
refused inside the TLS handshake, before a byte of the message leaves, and
reported as transient with the reason (see adapters.transport.dispatch)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.tls import PeerPin, server_context
from adapters.transport import NodeTransport, PeerEndpoint
from node.ports.driven import Destination, DestinationKind, Outcome
from tests.helpers.bodies import BytesBody
from tests.helpers.peer_server import FakePeerNode
from tests.helpers.tls_pki import NODE_B_ORGAN, Issued, TestPki

from .conftest import FAST, material, meta, node_a_as_peer, transport_to

PEER_B = Destination(DestinationKind.PEER, "B")


async def _impostor(pki: TestPki, cert: Issued) -> FakePeerNode:
    ctx = server_context(cert.cert, cert.key, pki.ca)
    node = FakePeerNode(ctx, [node_a_as_peer(pki)])
    await node.start(node.app())
    return node


@pytest.fixture
async def impostor(request: pytest.FixtureRequest, pki: TestPki) -> AsyncIterator[FakePeerNode]:
    node = await _impostor(pki, getattr(pki, request.param))
    yield node
    await node.close()


@pytest.mark.parametrize(
    ("impostor", "reason"),
    [
        ("other", "is not the pinned"),  # same CA, another node
        ("rogue", "unable to get local issuer certificate"),  # claims B's organ, untrusted CA
        ("expired", "certificate has expired"),  # B's organ, our CA, expired
    ],
    indirect=["impostor"],
)
async def test_wrong_server_certificate_refused_before_sending(
    pki: TestPki, impostor: FakePeerNode, reason: str
) -> None:
    async with transport_to(pki, impostor.url) as transport:
        outcome = await transport.send(PEER_B, meta(), BytesBody(b"<secret/>"))

    assert outcome.outcome is Outcome.TRANSIENT
    assert "TLS certificate of peer B" in outcome.detail
    assert reason in outcome.detail
    assert outcome.destination_down
    assert impostor.received == []


async def test_organ_pin_refuses_same_ca_other_organ(pki: TestPki) -> None:
    node = await _impostor(pki, pki.other)
    try:
        transport = transport_to(pki, node.url, pin_sha=None, pin_organ=NODE_B_ORGAN)
        async with transport:
            outcome = await transport.send(PEER_B, meta(), BytesBody(b"<secret/>"))
    finally:
        await node.close()

    assert outcome.outcome is Outcome.TRANSIENT
    assert f"expected {NODE_B_ORGAN}" in outcome.detail
    assert node.received == []


async def test_both_pins_must_match(pki: TestPki, peer_b: FakePeerNode) -> None:
    """Right fingerprint but a different organ id configured: refused."""
    transport = transport_to(pki, peer_b.url, pin_organ="000.00.00.Z99")
    async with transport:
        outcome = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert outcome.outcome is Outcome.TRANSIENT
    assert "000.00.00.Z99" in outcome.detail
    assert peer_b.received == []


async def test_rotation_pin_delivers_to_the_peers_new_certificate(pki: TestPki) -> None:
    """The peer switched to its new certificate before we removed the old pin:
    with ``next_certificate`` configured, delivery goes on (without it, the
    pin check refuses, see above)."""
    node = await _impostor(pki, pki.other)  # stands for B's new certificate
    peer = PeerEndpoint(
        "B",
        node.url,
        PeerPin(cert_sha256=pki.node_b.sha256, next_sha256=pki.other.sha256),
    )
    try:
        async with NodeTransport(tls=material(pki, pki.node_a), peers=[peer], timeouts=FAST) as t:
            outcome = await t.send(PEER_B, meta(), BytesBody(b"<x/>"))
    finally:
        await node.close()

    assert outcome.outcome is Outcome.DELIVERED, outcome.detail
    assert len(node.received) == 1
