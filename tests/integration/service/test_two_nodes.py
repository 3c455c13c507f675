"""Two nodes on loopback, each with its real listeners and real transport
(mutual TLS, certificates pinned both ways), the cores faked: what one node's
transport sends, the other's peer API receives as that peer; a node with a
certificate the receiver does not expect is refused and told so permanently.

tests/e2e/test_two_serve_processes.py runs the whole round trip (documents,
statuses) between two real `lienthong serve` processes.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

from node.app.bootstrap import NodeService, running_node
from node.config import load_config, token_sha256
from node.model import MessageKind
from node.ports.driven import Destination, DestinationKind, Direction, Hop, Outcome, TransferMeta
from tests.support.fakes import NOW, FakeCore, FileBody
from tests.support.tlspki import Issued, TestCa

H41, G22 = "000.00.00.H41", "000.00.00.G22"


def _config(
    directory: Path,
    organ: str,
    me: Issued,
    ca: TestCa,
    peer: tuple[str, str, str, Issued],
    peer_next: Issued | None = None,
) -> Path:
    name, url, peer_organ, peer_cert = peer
    rotation = f'next_certificate = "{peer_next.cert}"' if peer_next else ""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "node.toml"
    path.write_text(f"""
[node]
organ_id = "{organ}"
[listen]
dms = "127.0.0.1:0"
peer = "127.0.0.1:0"
[tls]
cert = "{me.cert}"
key = "{me.key}"
ca = "{ca.path}"
[trust]
dir = "{ca.directory}"
[[organs]]
id = "{organ}"
signing = "dms"
[[dms]]
id = "dms"
organs = ["{organ}"]
token_sha256 = "{token_sha256(organ)}"
[[peers]]
name = "{name}"
url = "{url}"
organ_id = "{peer_organ}"
certificate = "{peer_cert.cert}"
{rotation}
[routing]
default_peer = "{name}"
""")
    return path


@contextlib.asynccontextmanager
async def _node(path: Path, store: Path) -> AsyncIterator[tuple[NodeService, FakeCore]]:
    core = FakeCore(store)
    async with running_node(load_config(path), core_factory=core, environ={}) as service:
        yield service, core


def _body(path: Path, data: bytes) -> FileBody:
    path.write_bytes(data)
    return FileBody(path, len(data), hashlib.sha256(data).hexdigest())


async def _send(core: FakeCore, body: FileBody, message_id: str) -> tuple[Outcome, str]:
    assert core.deps is not None
    meta = TransferMeta(message_id, MessageKind.DOCUMENT, (G22,), (Hop(H41, NOW, Direction.OUT),))
    result = await core.deps.transport.send(Destination(DestinationKind.PEER, "g22"), meta, body)
    return result.outcome, result.detail


async def test_peer_transfer_over_mutual_tls(tmp_path: Path, sample_document: bytes) -> None:
    ca = TestCa(tmp_path / "pki")
    h41, g22 = ca.issue("h41"), ca.issue("g22")
    doc = _body(tmp_path / "doc.edxml", sample_document)
    b_path = _config(tmp_path / "b", G22, g22, ca, ("h41", "https://127.0.0.1:1/", H41, h41))
    async with _node(b_path, tmp_path / "b-store") as (b, b_core):
        assert b.peer_url is not None
        a_path = _config(tmp_path / "a", H41, h41, ca, ("g22", b.peer_url, G22, g22))
        async with _node(a_path, tmp_path / "a-store") as (_, a_core):
            assert await _send(a_core, doc, "h41-0001") == (
                Outcome.DELIVERED,
                "accepted by peer g22 as h41-0001",
            )
            outcome, _ = await _send(a_core, doc, "h41-0001")
            assert outcome is Outcome.DUPLICATE
        assert b_core.exchange is not None
        peer = b_core.exchange.received_from[0]
        assert (peer.peer_id, peer.node_organ) == ("h41", H41)
        stored = b_core.exchange.messages["h41-0001"]
        assert stored.body.path.read_bytes() == sample_document
        assert stored.recipients == (G22,)


async def test_sender_with_an_unexpected_certificate_is_refused(
    tmp_path: Path, sample_document: bytes
) -> None:
    ca = TestCa(tmp_path / "pki")
    h41, g22, impostor = ca.issue("h41"), ca.issue("g22"), ca.issue("impostor")
    doc = _body(tmp_path / "doc.edxml", sample_document)
    b_path = _config(tmp_path / "b", G22, g22, ca, ("h41", "https://127.0.0.1:1/", H41, h41))
    async with _node(b_path, tmp_path / "b-store") as (b, b_core):
        assert b.peer_url is not None
        # Same CA, so TLS itself succeeds; B pins h41's certificate and refuses.
        a_path = _config(tmp_path / "a", H41, impostor, ca, ("g22", b.peer_url, G22, g22))
        async with _node(a_path, tmp_path / "a-store") as (_, a_core):
            outcome, detail = await _send(a_core, doc, "h41-0002")
        assert outcome is Outcome.PERMANENT
        assert "not the expected certificate of any configured peer" in detail
        assert b_core.exchange is not None
        assert b_core.exchange.messages == {}


async def test_receiver_with_an_unexpected_certificate_gets_nothing(
    tmp_path: Path, sample_document: bytes
) -> None:
    ca = TestCa(tmp_path / "pki")
    h41, g22, other = ca.issue("h41"), ca.issue("g22"), ca.issue("other")
    doc = _body(tmp_path / "doc.edxml", sample_document)
    # B presents "other" while A pins g22: A's handshake fails before sending a byte.
    b_path = _config(tmp_path / "b", G22, other, ca, ("h41", "https://127.0.0.1:1/", H41, h41))
    async with _node(b_path, tmp_path / "b-store") as (b, b_core):
        assert b.peer_url is not None
        a_path = _config(tmp_path / "a", H41, h41, ca, ("g22", b.peer_url, G22, g22))
        async with _node(a_path, tmp_path / "a-store") as (_, a_core):
            outcome, detail = await _send(a_core, doc, "h41-0003")
        assert outcome is Outcome.TRANSIENT
        assert "pinned" in detail
        assert b_core.exchange is not None
        assert b_core.exchange.messages == {}


async def test_both_nodes_rotate_their_certificates_without_a_gap(
    tmp_path: Path, sample_document: bytes
) -> None:
    """Each node already presents its new certificate; the other side still
    pins the old one and lists the new one as ``next_certificate``: documents
    flow both ways and the sender is still recognised as the same peer."""
    ca = TestCa(tmp_path / "pki")
    h41_old, g22_old = ca.issue("h41-2025"), ca.issue("g22-2025")
    h41_new, g22_new = ca.issue("h41-2026"), ca.issue("g22-2026")
    doc = _body(tmp_path / "doc.edxml", sample_document)
    b_path = _config(
        tmp_path / "b", G22, g22_new, ca, ("h41", "https://127.0.0.1:1/", H41, h41_old), h41_new
    )
    async with _node(b_path, tmp_path / "b-store") as (b, b_core):
        assert b.peer_url is not None
        a_path = _config(
            tmp_path / "a", H41, h41_new, ca, ("g22", b.peer_url, G22, g22_old), g22_new
        )
        async with _node(a_path, tmp_path / "a-store") as (_, a_core):
            outcome, detail = await _send(a_core, doc, "h41-0004")
        assert outcome is Outcome.DELIVERED, detail
        assert b_core.exchange is not None
        assert b_core.exchange.received_from[0].peer_id == "h41"
        assert "h41-0004" in b_core.exchange.messages
