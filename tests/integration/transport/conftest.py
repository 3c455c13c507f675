"""Fixtures: a test PKI, a real peer node server with mutual TLS, transports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from adapters.tls import TlsMaterial, server_context
from adapters.transport import NodeTransport, PeerEndpoint, Timeouts
from node.model import MessageKind
from node.ports.driven import Direction, Hop, TransferMeta
from tests.helpers.peer_server import FakePeerNode
from tests.helpers.tls_pki import NODE_B_ORGAN, Issued, TestPki, make_pki

FAST = Timeouts(connect=2.0, read=2.0, base=5.0, retry_wait=0.0)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def material(pki: TestPki, issued: Issued, *, crl: bool = False) -> TlsMaterial:
    return TlsMaterial(issued.cert, issued.key, pki.ca, pki.crl if crl else None)


def node_a_as_peer(pki: TestPki) -> PeerEndpoint:
    """How node B configures node A (the client in these tests)."""
    return PeerEndpoint.create("A", "https://127.0.0.1:1", expected_cert_sha256=pki.node_a.sha256)


@pytest.fixture
async def peer_b(pki: TestPki) -> AsyncIterator[FakePeerNode]:
    """Node B's peer API, presenting node B's certificate, knowing node A."""
    ctx = server_context(pki.node_b.cert, pki.node_b.key, pki.ca)
    node = FakePeerNode(ctx, [node_a_as_peer(pki)])
    await node.start(node.app())
    yield node
    await node.close()


def meta(message_id: str = "m-0001", kind: MessageKind = MessageKind.DOCUMENT) -> TransferMeta:
    at = datetime(2026, 11, 20, 3, 0, 5, tzinfo=UTC)
    return TransferMeta(
        message_id, kind, (NODE_B_ORGAN,), (Hop("000.00.00.H41", at, Direction.OUT),)
    )


def transport_to(
    pki: TestPki,
    url: str,
    *,
    client: Issued | None = None,
    pin_sha: str | None = "node-b",
    pin_organ: str | None = None,
    timeouts: Timeouts = FAST,
) -> NodeTransport:
    sha = pki.node_b.sha256 if pin_sha == "node-b" else pin_sha
    peer = PeerEndpoint.create("B", url, expected_cert_sha256=sha, organ_id=pin_organ)
    return NodeTransport(tls=material(pki, client or pki.node_a), peers=[peer], timeouts=timeouts)
