"""What the peer answers decides the outcome: refusals are permanent and say
why, a busy or failing peer is transient."""

from __future__ import annotations

import pytest

from node.ports.driven import Destination, DestinationKind, Outcome
from tests.helpers.bodies import BytesBody
from tests.helpers.peer_server import FakePeerNode
from tests.helpers.tls_pki import TestPki

from .conftest import meta, transport_to

PEER_B = Destination(DestinationKind.PEER, "B")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (400, Outcome.PERMANENT),
        (403, Outcome.PERMANENT),
        (409, Outcome.PERMANENT),
        (422, Outcome.PERMANENT),
        (408, Outcome.TRANSIENT),
        (429, Outcome.TRANSIENT),
        (500, Outcome.TRANSIENT),
        (503, Outcome.TRANSIENT),
    ],
)
async def test_answer_maps_to_outcome(
    pki: TestPki, peer_b: FakePeerNode, status: int, outcome: Outcome
) -> None:
    peer_b.mode = f"status:{status}"
    async with transport_to(pki, peer_b.url) as transport:
        got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert got.outcome is outcome
    assert got.http_status == status


async def test_refusal_detail_carries_the_problem(pki: TestPki, peer_b: FakePeerNode) -> None:
    peer_b.mode = "status:400"
    async with transport_to(pki, peer_b.url) as transport:
        got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.PERMANENT
    assert "peer B refused it: 400" in got.detail
    assert "1 validation error(s)" in got.detail
    assert "7: /edXML/DocumentId: DocumentId is malformed" in got.detail


async def test_redirect_is_not_followed(pki: TestPki, peer_b: FakePeerNode) -> None:
    peer_b.mode = "redirect"
    async with transport_to(pki, peer_b.url) as transport:
        got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.TRANSIENT
    assert got.http_status == 302
    assert "redirects are not followed" in got.detail


async def test_unknown_peer_name_is_permanent(pki: TestPki, peer_b: FakePeerNode) -> None:
    async with transport_to(pki, peer_b.url) as transport:
        got = await transport.send(
            Destination(DestinationKind.PEER, "nobody"), meta(), BytesBody(b"<x/>")
        )

    assert got.outcome is Outcome.PERMANENT
    assert "'nobody'" in got.detail
