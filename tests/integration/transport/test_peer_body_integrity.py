"""A stored body that no longer matches its recorded hash or size is never
handed over complete: the transfer is aborted before its last chunk and the
outcome is permanent (retrying cannot repair a corrupted blob)."""

from __future__ import annotations

import pytest

from node.ports.driven import Destination, DestinationKind, Outcome
from tests.helpers.bodies import BytesBody
from tests.helpers.peer_server import FakePeerNode
from tests.helpers.tls_pki import TestPki

from .conftest import meta, transport_to

PEER_B = Destination(DestinationKind.PEER, "B")
DATA = b"<edXML>" + b"x" * (3 << 20) + b"</edXML>"  # several chunks


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BytesBody(DATA, sha256="0" * 64), "sha256 is"),
        (BytesBody(DATA, size=len(DATA) + 1), "bytes,"),
        (BytesBody(b"<x/>", sha256="0" * 64), "sha256 is"),
    ],
    ids=["hash-multi-chunk", "size", "hash-single-chunk"],
)
async def test_corrupted_body_is_not_delivered(
    pki: TestPki, peer_b: FakePeerNode, body: BytesBody, reason: str
) -> None:
    async with transport_to(pki, peer_b.url) as transport:
        got = await transport.send(PEER_B, meta(), body)
        healthy = await transport.send(PEER_B, meta("m-after"), BytesBody(b"<ok/>"))

    assert got.outcome is Outcome.PERMANENT
    assert reason in got.detail
    assert "transfer aborted" in got.detail
    assert healthy.outcome is Outcome.DELIVERED  # the session survived the abort
    assert [r.meta.message_id for r in peer_b.received if r.meta] == ["m-after"]
