"""The VDXP upstream transport and poller against a fake national axis that
checks every request as the SDK makes it."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from adapters.transport import NodeTransport, Timeouts
from adapters.transport.vdxp_poller import UpstreamPoller
from adapters.transport.vdxp_upstream import UpstreamEndpoint
from node.errors import SignatureRejected, StoreUnavailable
from node.model import MessageKind
from node.ports.driven import Destination, DestinationKind, Outcome, TransferMeta
from tests.conftest import SAMPLES
from tests.support.bodies import BytesBody
from tests.support.clock import FakeClock
from tests.support.fakes import FakeExchange
from tests.support.vdxp_axis import FakeAxis, Offered

SECRET = "axis-secret-0123456789"
UPSTREAM = Destination(DestinationKind.PEER, "national")


def endpoint(url: str, secret: str = SECRET) -> UpstreamEndpoint:
    return UpstreamEndpoint("national", url, "vxp.h41.01", secret, "000.00.00.G22")


@contextlib.asynccontextmanager
async def connected(url: str, secret: str = SECRET) -> AsyncIterator[NodeTransport]:
    """A started transport with one upstream link to ``url``; the axis checks
    request timestamps against real time, so the clock stands at now."""
    t = NodeTransport(
        tls=None,
        upstreams=[endpoint(url, secret)],
        timeouts=Timeouts(connect=2.0, read=2.0, base=5.0, retry_wait=0.0),
        clock=FakeClock(datetime.now(UTC)),
    )
    await t.start()
    try:
        yield t
    finally:
        await t.close()


@dataclass
class Link:
    """The fake axis on 127.0.0.1, a transport connected to it, and the fake
    core (``exchange``) a poller stores into through ``spool``."""

    axis: FakeAxis
    url: str
    transport: NodeTransport
    exchange: FakeExchange
    spool: Path

    def poller(self) -> UpstreamPoller:
        return UpstreamPoller(
            endpoint=endpoint(self.url),
            client=lambda: self.transport.upstream_client("national"),
            exchange=self.exchange,
            serves=lambda organ: organ.endswith(".H41"),
            spool_dir=self.spool,
            clock=FakeClock(datetime.now(UTC)),
            interval=1.0,
            max_interval=8.0,
        )


@pytest.fixture
async def link(tmp_path: Path) -> AsyncIterator[Link]:
    fake = FakeAxis("vxp.h41.01", SECRET)
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    spool = tmp_path / "spool"
    spool.mkdir()
    try:
        async with connected(url) as t:
            yield Link(fake, url, t, FakeExchange(tmp_path / "store"), spool)
    finally:
        await server.close()


def meta(kind: MessageKind = MessageKind.DOCUMENT) -> TransferMeta:
    return TransferMeta("m-1", kind, ("000.00.00.G22",), ())


DOCUMENT = (SAMPLES / "document.edxml").read_bytes()
STATUS = (SAMPLES / "status.edxml").read_bytes()


async def test_a_document_goes_up_with_send_edoc_and_the_doc_id_is_recorded(link: Link) -> None:
    out = await link.transport.send(UPSTREAM, meta(), BytesBody(DOCUMENT))
    assert link.axis.problems == []
    assert out.outcome is Outcome.DELIVERED
    assert "DocId doc-1" in out.detail
    sent = link.axis.sent[0]
    assert sent["raw"] == DOCUMENT
    assert sent["values"]["messagetype"] == "edoc"
    assert sent["values"]["servicetype"] == "eDoc"
    assert sent["values"]["from"] == "000.00.00.H41"
    assert sent["values"]["Content-Type"] == "application/octet-stream"
    assert sent["to"] == ["000.00.00.G22"]


async def test_a_status_goes_up_as_messagetype_status(link: Link) -> None:
    out = await link.transport.send(UPSTREAM, meta(MessageKind.STATUS), BytesBody(STATUS))
    assert out.outcome is Outcome.DELIVERED, out.detail
    assert link.axis.sent[0]["values"]["messagetype"] == "status"


async def test_update_revocation_and_replacement_carry_their_messagetype(link: Link) -> None:
    for code, expected in (("1", "revocation"), ("2", "update"), ("3", "replacement")):
        data = DOCUMENT.replace(
            b"<edXML:BussinessDocType>0<", f"<edXML:BussinessDocType>{code}<".encode()
        )
        await link.transport.send(UPSTREAM, meta(), BytesBody(data))
        assert link.axis.sent[-1]["values"]["messagetype"] == expected


async def test_a_resend_of_the_same_bytes_gets_the_first_doc_id(link: Link) -> None:
    first = await link.transport.send(UPSTREAM, meta(), BytesBody(DOCUMENT))
    again = await link.transport.send(UPSTREAM, meta(), BytesBody(DOCUMENT))
    assert len(link.axis.sent) == 1
    assert "DocId doc-1" in first.detail
    assert "DocId doc-1" in again.detail


async def test_an_axis_that_is_down_is_transient_and_holds_the_link_back(link: Link) -> None:
    link.axis.answer_status = 503
    out = await link.transport.send(UPSTREAM, meta(), BytesBody(DOCUMENT))
    assert out.outcome is Outcome.TRANSIENT
    assert out.destination_down


async def test_an_unreachable_axis_is_transient_and_down() -> None:
    async with connected("http://127.0.0.1:9") as t:
        out = await t.send(UPSTREAM, meta(), BytesBody(DOCUMENT))
    assert out.outcome is Outcome.TRANSIENT
    assert out.destination_down
    assert "cannot reach" in out.detail


async def test_a_wrong_secret_is_transient_so_fixing_it_drains_the_queue(link: Link) -> None:
    async with connected(link.url, secret="another-secret-000000") as t:
        out = await t.send(UPSTREAM, meta(), BytesBody(DOCUMENT))
    assert out.outcome is Outcome.TRANSIENT
    assert out.destination_down
    assert out.http_status == 401


async def test_a_refusal_by_the_axis_is_permanent(link: Link) -> None:
    link.axis.refuse_send = "to: unknown organ"
    out = await link.transport.send(UPSTREAM, meta(), BytesBody(DOCUMENT))
    assert out.outcome is Outcome.PERMANENT
    assert "to: unknown organ" in out.detail


# --------------------------------------------------------------------------- receiving


async def test_documents_and_statuses_are_stored_then_acknowledged_done(link: Link) -> None:
    fake = link.axis
    fake.offered = [Offered("a1", DOCUMENT, "edoc"), Offered("s1", STATUS, "status")]
    taken = await link.poller().poll_once()
    assert fake.problems == []
    assert taken == 2
    received = link.exchange.received
    metas = [r.meta for r in received]
    assert [m.message_id for m in metas] == ["vdxp:national:a1", "vdxp:national:s1"]
    assert metas[0].recipients == ("000.00.12.H41",)  # G22 is not ours: left out
    assert metas[0].hops[0].node == "000.00.00.G22"
    assert received[0].content == DOCUMENT
    assert received[0].peer.peer_id == "national"
    assert [(u["docId"], u["status"]) for u in fake.updates] == [("a1", "done"), ("s1", "done")]
    assert not any(os.scandir(link.spool))  # spool files gone


async def test_a_message_fetched_again_after_a_crash_is_acknowledged_not_stored_twice(
    link: Link,
) -> None:
    link.axis.offered = [Offered("a1", DOCUMENT, "edoc")]
    p = link.poller()
    await p.poll_once()
    link.axis.updates.clear()  # the crash: stored, but the ack never reached the axis
    await p.poll_once()
    assert p.stats.received == 1
    assert p.stats.duplicates == 1
    assert len(link.exchange.messages) == 1
    assert [u["status"] for u in link.axis.updates] == ["done"]


async def test_a_store_that_is_down_acknowledges_nothing(link: Link) -> None:
    link.axis.offered = [Offered("a1", DOCUMENT, "edoc")]
    link.exchange.fail_with = StoreUnavailable("disk full")
    p = link.poller()
    await p.poll_once()
    assert link.axis.updates == []
    assert p.stats.consecutive_failures == 1


async def test_an_untrusted_document_is_acknowledged_fail_with_the_reason(link: Link) -> None:
    link.axis.offered = [Offered("a1", DOCUMENT, "edoc")]
    link.exchange.fail_with = SignatureRejected(
        "signature not accepted: digest mismatch", ("digest mismatch",)
    )
    await link.poller().poll_once()
    assert link.axis.updates[0]["status"] == "fail"
    assert "digest mismatch" in link.axis.updates[0]["description"]


async def test_a_message_for_nobody_here_is_refused_so_it_cannot_loop(link: Link) -> None:
    link.axis.offered = [Offered("a1", DOCUMENT, "edoc")]
    p = link.poller()
    p._serves = lambda organ: False  # everything would go back up
    await p.poll_once()
    assert link.exchange.received == []
    assert link.axis.updates[0]["status"] == "fail"
    assert "not-for-this-node" in link.axis.updates[0]["description"]


async def test_polling_backs_off_while_the_axis_is_down_and_resets_after(link: Link) -> None:
    fake = link.axis
    fake.answer_status = 503
    p = link.poller()
    delays = []
    for _ in range(5):
        await p.poll_once()
        delays.append(p.delay())
    calls_down = len(fake.calls)
    fake.answer_status = None
    await p.poll_once()
    assert delays == [2.0, 4.0, 8.0, 8.0, 8.0]  # doubling, capped
    assert calls_down == 5  # one call per failed round: no storm
    assert p.delay() == 1.0


async def test_counts_and_agencies_read_the_sdk_fields(link: Link) -> None:
    link.axis.offered = [Offered("s1", b"x", "status")]
    client = link.transport.upstream_client("national")
    assert await client.count("Status") == 1
    assert await client.count("Edoc") == 0
    agencies = await client.agencies()
    assert agencies[0].code == "000.00.00.H22"
    assert agencies[0].name == "Tỉnh H22"
    assert link.axis.problems == []
    assert json.dumps(link.axis.calls)


async def test_a_large_get_edoc_answer_is_read_whole(link: Link) -> None:
    """An answer longer than one network read (the SDK reads to the end)."""
    data = os.urandom(3 << 20)
    link.axis.offered = [Offered("big", data, "edoc")]
    assert await link.transport.upstream_client("national").get_edoc("big") == data
