"""Network failures are transient outcomes with a clear reason, within the
configured time limits; the transport never raises for them."""

from __future__ import annotations

import socket
import time

from adapters.transport import Timeouts
from node.ports.driven import Destination, DestinationKind, Outcome
from tests.helpers.bodies import BytesBody
from tests.helpers.peer_server import FakePeerNode
from tests.helpers.tls_pki import TestPki

from .conftest import meta, transport_to

PEER_B = Destination(DestinationKind.PEER, "B")


async def test_peer_that_never_answers_times_out(pki: TestPki, peer_b: FakePeerNode) -> None:
    peer_b.mode = "hang"
    timeouts = Timeouts(connect=1.0, read=0.3, base=5.0, retry_wait=0.0)
    started = time.monotonic()
    async with transport_to(pki, peer_b.url, timeouts=timeouts) as transport:
        got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.TRANSIENT
    assert "sent nothing for 0.3s" in got.detail
    assert time.monotonic() - started < 1.5


async def test_total_limit_scales_with_size(pki: TestPki, peer_b: FakePeerNode) -> None:
    peer_b.mode = "hang"
    timeouts = Timeouts(connect=1.0, read=10.0, base=0.2, min_rate=1 << 30, retry_wait=0.0)
    async with transport_to(pki, peer_b.url, timeouts=timeouts) as transport:
        got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.TRANSIENT
    assert "exceeded 0.2s" in got.detail


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused(pki: TestPki) -> None:
    url = f"https://127.0.0.1:{_closed_port()}"
    async with transport_to(pki, url) as transport:
        got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.TRANSIENT
    assert got.detail.startswith("cannot connect to peer B")
    assert got.http_status is None
    assert got.destination_down, "nobody listens: every delivery to B would fail alike"


async def test_not_started_is_a_programming_error(pki: TestPki) -> None:
    transport = transport_to(pki, "https://127.0.0.1:9")
    got = await transport.send(PEER_B, meta(), BytesBody(b"<x/>"))
    assert got.outcome is Outcome.TRANSIENT
    assert "start()" in got.detail
