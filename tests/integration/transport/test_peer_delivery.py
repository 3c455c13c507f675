"""A message handed to a peer node over mutual TLS: bytes and wire headers arrive
intact, the peer knows who sent it, and a redelivery is recognised as a duplicate."""

from __future__ import annotations

import hashlib
import json

from node.model import MessageKind
from node.ports.driven import Destination, DestinationKind, Outcome
from tests.helpers.bodies import BytesBody
from tests.helpers.peer_server import FakePeerNode
from tests.helpers.tls_pki import NODE_B_ORGAN, TestPki

from .conftest import meta, transport_to

PEER_B = Destination(DestinationKind.PEER, "B")


async def test_delivered_with_wire_headers(
    pki: TestPki, peer_b: FakePeerNode, sample_document: bytes
) -> None:
    async with transport_to(pki, peer_b.url) as transport:
        outcome = await transport.send(PEER_B, meta("m-1"), BytesBody(sample_document))

    assert outcome.outcome is Outcome.DELIVERED
    assert outcome.http_status == 202
    assert "B-1" in outcome.detail
    [got] = peer_b.received
    assert got.peer == "A"
    assert got.sha256 == hashlib.sha256(sample_document).hexdigest()
    assert got.size == len(sample_document)
    assert got.meta is not None
    assert got.meta.message_id == "m-1"
    assert got.meta.kind is MessageKind.DOCUMENT
    assert got.meta.recipients == (NODE_B_ORGAN,)
    assert got.meta.hops == meta("m-1").hops
    assert got.headers["Content-Type"] == "application/xml"
    assert got.headers["Content-Length"] == str(len(sample_document))
    assert json.loads(got.headers["Lienthong-Hops"])[0]["direction"] == "out"


async def test_redelivery_carries_same_id_and_is_a_duplicate(
    pki: TestPki, peer_b: FakePeerNode, sample_status: bytes
) -> None:
    body = BytesBody(sample_status)
    async with transport_to(pki, peer_b.url) as transport:
        first = await transport.send(PEER_B, meta("m-2", MessageKind.STATUS), body)
        again = await transport.send(PEER_B, meta("m-2", MessageKind.STATUS), body)

    assert first.outcome is Outcome.DELIVERED
    assert again.outcome is Outcome.DUPLICATE
    assert again.http_status == 200
    assert [r.meta.message_id for r in peer_b.received if r.meta] == ["m-2", "m-2"]


async def test_multi_chunk_body_arrives_byte_for_byte(pki: TestPki, peer_b: FakePeerNode) -> None:
    data = bytes(range(256)) * (5 * 4096 + 17)  # ~5 MiB, not a chunk multiple
    async with transport_to(pki, peer_b.url) as transport:
        outcome = await transport.send(PEER_B, meta("m-3"), BytesBody(data))

    assert outcome.outcome is Outcome.DELIVERED
    assert peer_b.received[0].sha256 == hashlib.sha256(data).hexdigest()
    assert peer_b.received[0].size == len(data)


async def test_pin_by_organ_id_only(pki: TestPki, peer_b: FakePeerNode) -> None:
    transport = transport_to(pki, peer_b.url, pin_sha=None, pin_organ=NODE_B_ORGAN)
    async with transport:
        outcome = await transport.send(PEER_B, meta("m-4"), BytesBody(b"<x/>"))

    assert outcome.outcome is Outcome.DELIVERED


async def test_stale_connection_is_retried_once_in_call(pki: TestPki, peer_b: FakePeerNode) -> None:
    peer_b.mode = "disconnect-once"
    async with transport_to(pki, peer_b.url) as transport:
        outcome = await transport.send(PEER_B, meta("m-5"), BytesBody(b"<x/>"))

    assert outcome.outcome is Outcome.DELIVERED
    assert len(peer_b.received) == 1
