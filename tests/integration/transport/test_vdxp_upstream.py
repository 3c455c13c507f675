"""The VDXP upstream transport and poller against a fake national axis that
checks every request as the SDK makes it."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from adapters.transport import NodeTransport, Timeouts
from adapters.transport.vdxp_poller import UpstreamPoller
from adapters.transport.vdxp_upstream import UpstreamEndpoint
from node.errors import SignatureRejected, StoreUnavailable
from node.model import MessageKind
from node.ports.api import IncomingBody, PeerPrincipal, SubmitResult
from node.ports.driven import Destination, DestinationKind, Outcome, TransferMeta
from tests.conftest import SAMPLES
from tests.helpers.bodies import BytesBody
from tests.helpers.fake_vdxp_axis import FakeAxis, Offered

SECRET = "axis-secret-0123456789"
UPSTREAM = Destination(DestinationKind.PEER, "national")


class FixedClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@pytest.fixture
async def axis() -> AsyncIterator[tuple[FakeAxis, str]]:
    fake = FakeAxis("vxp.h41.01", SECRET)
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


def endpoint(url: str, secret: str = SECRET) -> UpstreamEndpoint:
    return UpstreamEndpoint("national", url, "vxp.h41.01", secret, "000.00.00.G22")


async def transport(url: str, secret: str = SECRET) -> NodeTransport:
    t = NodeTransport(
        tls=None,
        upstreams=[endpoint(url, secret)],
        timeouts=Timeouts(connect=2.0, read=2.0, base=5.0, retry_wait=0.0),
        clock=FixedClock(),
    )
    await t.start()
    return t


def meta(kind: MessageKind = MessageKind.DOCUMENT) -> TransferMeta:
    return TransferMeta("m-1", kind, ("000.00.00.G22",), ())


async def test_a_document_goes_up_with_send_edoc_and_the_doc_id_is_recorded(
    axis: tuple[FakeAxis, str],
) -> None:
    fake, url = axis
    t = await transport(url)
    data = (SAMPLES / "document.edxml").read_bytes()
    try:
        out = await t.send(UPSTREAM, meta(), BytesBody(data))
    finally:
        await t.close()
    assert fake.problems == []
    assert out.outcome is Outcome.DELIVERED
    assert "DocId doc-1" in out.detail
    sent = fake.sent[0]
    assert sent["raw"] == data
    assert sent["values"]["messagetype"] == "edoc"
    assert sent["values"]["servicetype"] == "eDoc"
    assert sent["values"]["from"] == "000.00.00.H41"
    assert sent["values"]["Content-Type"] == "application/octet-stream"
    assert sent["to"] == ["000.00.00.G22"]


async def test_a_status_goes_up_as_messagetype_status(axis: tuple[FakeAxis, str]) -> None:
    fake, url = axis
    t = await transport(url)
    try:
        out = await t.send(
            UPSTREAM, meta(MessageKind.STATUS), BytesBody((SAMPLES / "status.edxml").read_bytes())
        )
    finally:
        await t.close()
    assert out.outcome is Outcome.DELIVERED, out.detail
    assert fake.sent[0]["values"]["messagetype"] == "status"


async def test_update_revocation_and_replacement_carry_their_messagetype(
    axis: tuple[FakeAxis, str],
) -> None:
    fake, url = axis
    base = (SAMPLES / "document.edxml").read_bytes()
    t = await transport(url)
    try:
        for code, expected in (("1", "revocation"), ("2", "update"), ("3", "replacement")):
            data = base.replace(
                b"<edXML:BussinessDocType>0<", f"<edXML:BussinessDocType>{code}<".encode()
            )
            await t.send(UPSTREAM, meta(), BytesBody(data))
            assert fake.sent[-1]["values"]["messagetype"] == expected
    finally:
        await t.close()


async def test_a_resend_of_the_same_bytes_gets_the_first_doc_id(
    axis: tuple[FakeAxis, str],
) -> None:
    fake, url = axis
    data = (SAMPLES / "document.edxml").read_bytes()
    t = await transport(url)
    try:
        first = await t.send(UPSTREAM, meta(), BytesBody(data))
        again = await t.send(UPSTREAM, meta(), BytesBody(data))
    finally:
        await t.close()
    assert len(fake.sent) == 1
    assert "DocId doc-1" in first.detail
    assert "DocId doc-1" in again.detail


async def test_an_axis_that_is_down_is_transient_and_holds_the_link_back(
    axis: tuple[FakeAxis, str],
) -> None:
    fake, url = axis
    fake.answer_status = 503
    t = await transport(url)
    try:
        out = await t.send(UPSTREAM, meta(), BytesBody((SAMPLES / "document.edxml").read_bytes()))
    finally:
        await t.close()
    assert out.outcome is Outcome.TRANSIENT
    assert out.destination_down


async def test_an_unreachable_axis_is_transient_and_down() -> None:
    t = await transport("http://127.0.0.1:9")
    try:
        out = await t.send(UPSTREAM, meta(), BytesBody((SAMPLES / "document.edxml").read_bytes()))
    finally:
        await t.close()
    assert out.outcome is Outcome.TRANSIENT
    assert out.destination_down
    assert "cannot reach" in out.detail


async def test_a_wrong_secret_is_transient_so_fixing_it_drains_the_queue(
    axis: tuple[FakeAxis, str],
) -> None:
    _fake, url = axis
    t = await transport(url, secret="another-secret-000000")
    try:
        out = await t.send(UPSTREAM, meta(), BytesBody((SAMPLES / "document.edxml").read_bytes()))
    finally:
        await t.close()
    assert out.outcome is Outcome.TRANSIENT
    assert out.destination_down
    assert out.http_status == 401


async def test_a_refusal_by_the_axis_is_permanent(axis: tuple[FakeAxis, str]) -> None:
    fake, url = axis
    fake.refuse_send = "to: unknown organ"
    t = await transport(url)
    try:
        out = await t.send(UPSTREAM, meta(), BytesBody((SAMPLES / "document.edxml").read_bytes()))
    finally:
        await t.close()
    assert out.outcome is Outcome.PERMANENT
    assert "to: unknown organ" in out.detail


# --------------------------------------------------------------------------- receiving


class FakeExchange:
    def __init__(self, fail: Exception | None = None) -> None:
        self.received: list[tuple[TransferMeta, bytes, PeerPrincipal]] = []
        self.fail = fail
        self.seen: set[str] = set()

    async def receive(
        self, body: IncomingBody, *, peer: PeerPrincipal, meta: TransferMeta
    ) -> SubmitResult:
        if self.fail is not None:
            raise self.fail
        duplicate = meta.message_id in self.seen
        self.seen.add(meta.message_id)
        self.received.append((meta, body.path.read_bytes(), peer))
        return SubmitResult("local-1", "doc", "accepted", duplicate=duplicate)


def poller(url: str, t: NodeTransport, exchange: FakeExchange, spool: Path) -> UpstreamPoller:
    return UpstreamPoller(
        endpoint=endpoint(url),
        client=lambda: t.upstream_client("national"),
        exchange=exchange,  # type: ignore[arg-type]
        serves=lambda organ: organ.endswith(".H41"),
        spool_dir=spool,
        clock=FixedClock(),
        interval=1.0,
        max_interval=8.0,
    )


async def test_documents_and_statuses_are_stored_then_acknowledged_done(
    axis: tuple[FakeAxis, str], tmp_path: Path
) -> None:
    fake, url = axis
    doc = (SAMPLES / "document.edxml").read_bytes()
    status = (SAMPLES / "status.edxml").read_bytes()
    fake.offered = [Offered("a1", doc, "edoc"), Offered("s1", status, "status")]
    t = await transport(url)
    exchange = FakeExchange()
    try:
        taken = await poller(url, t, exchange, tmp_path).poll_once()
    finally:
        await t.close()
    assert fake.problems == []
    assert taken == 2
    metas = [m for m, _, _ in exchange.received]
    assert [m.message_id for m in metas] == ["vdxp:national:a1", "vdxp:national:s1"]
    assert metas[0].recipients == ("000.00.12.H41",)  # G22 is not ours: left out
    assert metas[0].hops[0].node == "000.00.00.G22"
    assert exchange.received[0][1] == doc
    assert exchange.received[0][2].peer_id == "national"
    assert [(u["docId"], u["status"]) for u in fake.updates] == [("a1", "done"), ("s1", "done")]
    assert not any(os.scandir(tmp_path))  # spool files gone


async def test_a_message_fetched_again_after_a_crash_is_acknowledged_not_stored_twice(
    axis: tuple[FakeAxis, str], tmp_path: Path
) -> None:
    fake, url = axis
    fake.offered = [Offered("a1", (SAMPLES / "document.edxml").read_bytes(), "edoc")]
    t = await transport(url)
    exchange = FakeExchange()
    try:
        p = poller(url, t, exchange, tmp_path)
        await p.poll_once()
        fake.updates.clear()  # the crash: stored, but the ack never reached the axis
        await p.poll_once()
    finally:
        await t.close()
    assert p.stats.received == 1
    assert p.stats.duplicates == 1
    assert [u["status"] for u in fake.updates] == ["done"]


async def test_a_store_that_is_down_acknowledges_nothing(
    axis: tuple[FakeAxis, str], tmp_path: Path
) -> None:
    fake, url = axis
    fake.offered = [Offered("a1", (SAMPLES / "document.edxml").read_bytes(), "edoc")]
    t = await transport(url)
    try:
        p = poller(url, t, FakeExchange(StoreUnavailable("disk full")), tmp_path)
        await p.poll_once()
    finally:
        await t.close()
    assert fake.updates == []
    assert p.stats.consecutive_failures == 1


async def test_an_untrusted_document_is_acknowledged_fail_with_the_reason(
    axis: tuple[FakeAxis, str], tmp_path: Path
) -> None:
    fake, url = axis
    fake.offered = [Offered("a1", (SAMPLES / "document.edxml").read_bytes(), "edoc")]
    t = await transport(url)
    refusal = SignatureRejected("signature not accepted: digest mismatch", ("digest mismatch",))
    try:
        await poller(url, t, FakeExchange(refusal), tmp_path).poll_once()
    finally:
        await t.close()
    assert fake.updates[0]["status"] == "fail"
    assert "digest mismatch" in fake.updates[0]["description"]


async def test_a_message_for_nobody_here_is_refused_so_it_cannot_loop(
    axis: tuple[FakeAxis, str], tmp_path: Path
) -> None:
    fake, url = axis
    fake.offered = [Offered("a1", (SAMPLES / "document.edxml").read_bytes(), "edoc")]
    t = await transport(url)
    exchange = FakeExchange()
    try:
        p = poller(url, t, exchange, tmp_path)
        p._serves = lambda organ: False  # everything would go back up
        await p.poll_once()
    finally:
        await t.close()
    assert exchange.received == []
    assert fake.updates[0]["status"] == "fail"
    assert "not-for-this-node" in fake.updates[0]["description"]


async def test_polling_backs_off_while_the_axis_is_down_and_resets_after(
    axis: tuple[FakeAxis, str], tmp_path: Path
) -> None:
    fake, url = axis
    fake.answer_status = 503
    t = await transport(url)
    try:
        p = poller(url, t, FakeExchange(), tmp_path)
        delays = []
        for _ in range(5):
            await p.poll_once()
            delays.append(p.delay())
        calls_down = len(fake.calls)
        fake.answer_status = None
        await p.poll_once()
    finally:
        await t.close()
    assert delays == [2.0, 4.0, 8.0, 8.0, 8.0]  # doubling, capped
    assert calls_down == 5  # one call per failed round: no storm
    assert p.delay() == 1.0


async def test_counts_and_agencies_read_the_sdk_fields(axis: tuple[FakeAxis, str]) -> None:
    fake, url = axis
    fake.offered = [Offered("s1", b"x", "status")]
    t = await transport(url)
    try:
        client = t.upstream_client("national")
        assert await client.count("Status") == 1
        assert await client.count("Edoc") == 0
        agencies = await client.agencies()
    finally:
        await t.close()
    assert agencies[0].code == "000.00.00.H22"
    assert agencies[0].name == "Tỉnh H22"
    assert fake.problems == []
    assert json.dumps(fake.calls)


async def test_a_large_get_edoc_answer_is_read_whole(axis: tuple[FakeAxis, str]) -> None:
    """An answer longer than one network read (the SDK reads to the end)."""
    fake, url = axis
    data = os.urandom(3 << 20)
    fake.offered = [Offered("big", data, "edoc")]
    t = await transport(url)
    try:
        assert await t.upstream_client("national").get_edoc("big") == data
    finally:
        await t.close()
