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
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.transport import NodeTransport, Timeouts
from adapters.transport.vdxp_poller import PollObserver, RefusedDocIds, UpstreamPoller
from adapters.transport.vdxp_upstream import UpstreamEndpoint
from node.errors import SignatureRejected, StoreUnavailable
from node.model import MessageKind
from node.ports.driven import Destination, DestinationKind, Direction, Hop, Outcome, TransferMeta
from tests.conftest import SAMPLES
from tests.support.bodies import BytesBody
from tests.support.clock import FakeClock
from tests.support.fakes import FakeExchange
from tests.support.vdxp_axis import FakeAxis, Offered

SECRET = "axis-secret-0123456789"
UPSTREAM = Destination(DestinationKind.PEER, "national")


def endpoint(url: str, secret: str = SECRET, journal: Path | None = None) -> UpstreamEndpoint:
    return UpstreamEndpoint("national", url, "vxp.h41.01", secret, "000.00.00.G22", journal)


@contextlib.asynccontextmanager
async def connected(
    url: str, secret: str = SECRET, journal: Path | None = None
) -> AsyncIterator[NodeTransport]:
    """A started transport with one upstream link to ``url``; the axis checks
    request timestamps against real time, so the clock stands at now.
    ``journal``: the link's send journal directory (None: none)."""
    t = NodeTransport(
        tls=None,
        upstreams=[endpoint(url, secret, journal)],
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

    def poller(
        self, refused: RefusedDocIds | None = None, observer: PollObserver | None = None
    ) -> UpstreamPoller:
        return UpstreamPoller(
            endpoint=endpoint(self.url),
            client=lambda: self.transport.upstream_client("national"),
            exchange=self.exchange,
            serves=lambda organ: organ.endswith(".H41"),
            spool_dir=self.spool,
            clock=FakeClock(datetime.now(UTC)),
            interval=1.0,
            max_interval=8.0,
            refused=refused,
            observer=observer,
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


AT = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)
HOPS = (Hop("000.00.00.H41", AT, Direction.IN), Hop("000.00.00.H41", AT, Direction.OUT))


def meta(kind: MessageKind = MessageKind.DOCUMENT) -> TransferMeta:
    return TransferMeta("m-1", kind, ("000.00.00.G22",), HOPS)


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
    # The nodes it passed, beside the SDK's headers: a lienthong axis stops loops by them.
    assert [json.loads(h or "null") for h in link.axis.hops] == [
        [
            {"node": "000.00.00.H41", "at": AT.isoformat(), "direction": "in"},
            {"node": "000.00.00.H41", "at": AT.isoformat(), "direction": "out"},
        ]
    ]


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


async def send_once(url: str, journal: Path | None) -> tuple[Outcome, str]:
    """One attempt by a fresh transport: a node process that then dies."""
    async with connected(url, journal=journal) as t:
        out = await t.send(UPSTREAM, meta(), BytesBody(DOCUMENT))
    return out.outcome, out.detail


@pytest.mark.parametrize("journal", [True, False], ids=["journal", "no-journal"])
async def test_a_send_whose_answer_was_lost_is_found_in_the_sent_list_not_sent_twice(
    link: Link, tmp_path: Path, journal: bool
) -> None:
    """The crash window: the axis stored the document, the answer never came
    back (the node died or the connection broke before the commit), the lease
    expired and another process sends again. The axis here does not
    deduplicate: only the link's journal and getSentEdocList keep it once.
    Without a journal (the control), the document is stored twice."""
    fake = link.axis
    fake.deduplicate = False
    fake.lose_answers = 1
    directory = tmp_path / "sending" if journal else None
    first, _ = await send_once(link.url, directory)
    assert first is Outcome.TRANSIENT
    assert len(fake.sent) == 1
    again, detail = await send_once(link.url, directory)
    assert again is Outcome.DELIVERED
    assert fake.problems == []
    if journal:
        assert len(fake.sent) == 1
        assert "DocId doc-1" in detail
        assert "found in getSentEdocList" in detail
        assert fake.calls == ["sendEdoc", "getSentEdocList"]
    else:
        assert len(fake.sent) == 2
        assert fake.calls == ["sendEdoc", "sendEdoc"]


async def test_a_send_answered_before_a_crash_is_recorded_from_the_journal(
    link: Link, tmp_path: Path
) -> None:
    """OK came back, the node died before committing: the next process records
    the DocId from the journal and calls nothing."""
    link.axis.deduplicate = False
    first, _ = await send_once(link.url, tmp_path / "sending")
    again, detail = await send_once(link.url, tmp_path / "sending")
    assert (first, again) == (Outcome.DELIVERED, Outcome.DELIVERED)
    assert "DocId doc-1" in detail
    assert "not sent again" in detail
    assert link.axis.calls == ["sendEdoc"]


async def test_an_unanswered_send_that_never_reached_the_axis_is_sent_after_the_lookup(
    link: Link, tmp_path: Path
) -> None:
    fake = link.axis
    fake.deduplicate = False
    fake.answer_status = 503  # down: nothing stored
    first, _ = await send_once(link.url, tmp_path / "sending")
    fake.answer_status = None
    again, detail = await send_once(link.url, tmp_path / "sending")
    assert (first, again) == (Outcome.TRANSIENT, Outcome.DELIVERED)
    assert fake.calls == ["sendEdoc", "getSentEdocList", "sendEdoc"]
    assert len(fake.sent) == 1
    assert "not sent again" not in detail


async def test_a_refused_send_leaves_no_note_so_a_resend_sends(link: Link, tmp_path: Path) -> None:
    fake = link.axis
    fake.refuse_send = "to: unknown organ"
    first, _ = await send_once(link.url, tmp_path / "sending")
    fake.refuse_send = None
    again, _ = await send_once(link.url, tmp_path / "sending")
    assert (first, again) == (Outcome.PERMANENT, Outcome.DELIVERED)
    assert fake.calls == ["sendEdoc", "sendEdoc"]  # no lookup: the axis had said no


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"fromCode": "H41", "notation": "D1", "toCode": "G22,H22"}, True),
        ({"from": "H41", "document_id": "D1"}, True),
        ({"fromCode": "H41", "notation": "D2", "toCode": "G22"}, False),  # another document
        ({"fromCode": "H99", "notation": "D1", "toCode": "G22"}, False),  # another sender
        ({"fromCode": "H41", "notation": "D1", "toCode": "H22"}, False),  # other recipients
        ({"fromCode": "H41", "notation": "D1", "messageType": "revocation"}, False),
    ],
)
def test_a_sent_list_entry_matches_only_the_same_document(
    entry: dict[str, str], expected: bool
) -> None:
    from adapters.transport.vdxp_upstream import matches_sent

    assert matches_sent(entry, sender="H41", document_id="D1", recipients=("G22",)) is expected


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


def _untrusted() -> SignatureRejected:
    return SignatureRejected("signature not accepted: digest mismatch", ("digest mismatch",))


async def test_a_refused_message_is_acknowledged_fail_once_even_across_a_restart(
    link: Link, tmp_path: Path
) -> None:
    """The axis keeps offering what was acknowledged fail: it is not fetched
    again, not by the next round nor by a poller started again on the same file."""
    fake = link.axis
    fake.offered = [Offered("bad", DOCUMENT, "edoc")]
    ledger = tmp_path / "upstream" / "national.refused"
    link.exchange.fail_with = _untrusted()
    first = link.poller(RefusedDocIds(ledger))
    for _ in range(3):
        await first.poll_once()
    restarted = link.poller(RefusedDocIds(ledger))
    await restarted.poll_once()
    link.exchange.fail_with = None
    fake.offered.append(Offered("good", DOCUMENT, "edoc"))
    await link.poller(RefusedDocIds(ledger)).poll_once()
    assert fake.calls.count("getEdoc") == 2  # "bad" once, then "good"
    assert [(u["docId"], u["status"]) for u in fake.updates] == [("bad", "fail"), ("good", "done")]
    assert (first.stats.refused, restarted.stats.refused) == (1, 0)
    assert [r.meta.message_id for r in link.exchange.received] == ["vdxp:national:good"]


async def test_a_refusal_whose_fail_did_not_reach_the_axis_is_not_remembered(
    link: Link, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = link.axis
    fake.offered = [Offered("bad", DOCUMENT, "edoc")]
    refused = RefusedDocIds(tmp_path / "upstream" / "national.refused")
    link.exchange.fail_with = _untrusted()
    p = link.poller(refused)
    with monkeypatch.context() as m:
        m.setattr(fake, "_updateStatus", lambda values, body: web.Response(status=503))
        await p.poll_once()
    assert "bad" not in refused
    await p.poll_once()
    assert fake.calls.count("getEdoc") == 2
    assert [u["status"] for u in fake.updates] == ["fail"]
    assert "bad" in refused


def test_the_refused_doc_ids_are_bounded_on_disk_and_in_memory(tmp_path: Path) -> None:
    path = tmp_path / "national.refused"
    refused = RefusedDocIds(path, limit=3)
    refused.load()
    for n in range(10):
        refused.add(f"d{n}")
    assert [d for d in (f"d{n}" for n in range(10)) if d in refused] == ["d7", "d8", "d9"]
    assert len(path.read_text().splitlines()) < 2 * 3  # rewritten, not ever growing
    with path.open("a") as f:
        f.write('"d1')  # a crash in the middle of a line
    again = RefusedDocIds(path, limit=3)
    again.load()
    assert (len(again), "d9" in again, "d6" in again) == (3, True, False)


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


async def test_polls_and_messages_are_counted_on_metrics(link: Link) -> None:
    from adapters.http.metrics import NodeMetrics

    fake = link.axis
    fake.offered = [Offered("a1", DOCUMENT, "edoc"), Offered("s1", STATUS, "status")]
    metrics = NodeMetrics(upstreams=["national"])
    before = metrics.render().decode()
    await link.poller(observer=metrics).poll_once()  # both taken
    fake.offered = [Offered("a2", DOCUMENT, "edoc")]
    link.exchange.fail_with = SignatureRejected("signature not accepted: digest mismatch", ("x",))
    await link.poller(observer=metrics).poll_once()  # refused
    link.exchange.fail_with = None
    fake.answer_status = 503
    await link.poller(observer=metrics).poll_once()  # failed
    text = metrics.render().decode()
    assert 'lienthong_upstream_polls_total{result="failure",upstream="national"} 0.0' in before
    assert 'lienthong_upstream_polls_total{result="success",upstream="national"} 2.0' in text
    assert 'lienthong_upstream_polls_total{result="failure",upstream="national"} 1.0' in text
    assert 'lienthong_upstream_messages_total{outcome="fetched",upstream="national"} 3.0' in text
    assert 'lienthong_upstream_messages_total{outcome="acked",upstream="national"} 2.0' in text
    assert 'lienthong_upstream_messages_total{outcome="refused",upstream="national"} 1.0' in text
    (line,) = [
        x for x in text.splitlines() if x.startswith("lienthong_upstream_last_successful_poll")
    ]
    assert float(line.split()[-1]) > datetime(2026, 1, 1, tzinfo=UTC).timestamp()
