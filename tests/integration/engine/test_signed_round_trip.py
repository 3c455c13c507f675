"""Two engines with real signing (test PKI, XmlSigner, DocumentVerifier) handing
messages to each other in process: a document signed by its node is verified
and stored by the other, whose automatic 01 and DMS's 03 (signed for the
recipient organ) are verified and reach the sending DMS; a tampered document
is refused and answered with a signed 02 that reaches the sender."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from node.engine import Engine, EngineSettings, SigningMode
from node.errors import LienthongError
from node.model import MessageKind
from node.offload import Offload
from node.ports.api import DmsPrincipal, IncomingBody, PeerPrincipal
from node.ports.driven import (
    DeliveryOutcome,
    Destination,
    Outcome,
    StoredBody,
    SystemClock,
    TransferMeta,
)
from node.routing import RoutingTable
from node.store import store_from_url
from signing.keyring import OrganKey, StaticKeyRing, build_key_ring
from signing.pki import make_test_pki
from signing.policy import VerificationPolicy
from signing.streamc14n import prepare_file
from signing.verifier import DocumentVerifier
from tests.support.messages import document, status, status_code

H41 = "000.00.00.H41"
G22 = "000.00.00.G22"
DMS_H41 = DmsPrincipal("dms-h41", frozenset({H41}))
DMS_G22 = DmsPrincipal("dms-g22", frozenset({G22}))


class Loopback:
    """A Transport that hands each message to another engine's receive."""

    def __init__(self, spool: Path, as_peer: PeerPrincipal) -> None:
        self.spool = spool
        self.as_peer = as_peer
        self.target: Engine | None = None
        self.answers: list[str] = []
        self._n = itertools.count()

    async def send(
        self, destination: Destination, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        assert self.target is not None
        data = b"".join([c async for c in body.chunks()])
        path = self.spool / f"in-{next(self._n)}.xml"
        path.write_bytes(data)
        incoming = IncomingBody(path, len(data), hashlib.sha256(data).hexdigest())
        try:
            result = await self.target.exchange.receive(incoming, peer=self.as_peer, meta=meta)
        except LienthongError as exc:
            self.answers.append(exc.kind)
            outcome = Outcome.PERMANENT if exc.http_status < 500 else Outcome.TRANSIENT
            return DeliveryOutcome(outcome, exc.detail, exc.http_status)
        self.answers.append("duplicate" if result.duplicate else "accepted")
        return DeliveryOutcome(
            Outcome.DUPLICATE if result.duplicate else Outcome.DELIVERED, "ok", 202
        )


class Tampering:
    """A key ring whose signatures are made, then the signed bytes edited."""

    def __init__(self, ring: StaticKeyRing) -> None:
        self.ring = ring

    def signer_for(self, organ_id: str) -> Any:
        signer = self.ring.signer_for(organ_id)
        if signer is None:
            return None

        class Edited:
            def __init__(self) -> None:
                self.organ_id = organ_id

            def sign(self, xml: bytes) -> bytes:
                return signer.sign(xml).replace("báo cáo".encode(), b"bao cao", 1)

        return Edited()


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    pki = await asyncio.to_thread(  # it runs an event loop of its own (sample PDFs)
        make_test_pki, tmp_path / "pki", [H41, G22], now=datetime.now(UTC)
    )
    verifier = DocumentVerifier(VerificationPolicy(trust_dir=pki.directory))
    engines: list[Engine] = []

    async def make(
        tamper: bool = False, offload: Offload | None = None
    ) -> tuple[Engine, Engine, Loopback, Loopback]:
        built = []
        for organ, client, pattern, peer, other in (
            (H41, "dms-h41", "*.*.*.G22", "node-g22", H41),
            (G22, "dms-g22", "*.*.*.H41", "node-h41", G22),
        ):
            material = pki.organ(organ)
            ring = build_key_ring([OrganKey(organ, material.cert, key=material.key)])
            store = store_from_url(f"sqlite://{tmp_path}/{organ}/node.db")
            await store.open()
            spool = tmp_path / organ / "spool"
            spool.mkdir(parents=True)
            loop = Loopback(spool, PeerPrincipal(f"node-{organ[-3:].lower()}", other))
            engine = Engine(
                EngineSettings(
                    node_organ=organ,
                    routing=RoutingTable({organ: client}, [(pattern, peer)], None, organ),
                    signing={organ: SigningMode.NODE},
                ),
                store=store,
                keys=Tampering(ring) if tamper and organ == H41 else ring,
                verifier=verifier,
                transport=loop,
                clock=SystemClock(),
                offload=offload,
                prepare=prepare_file,
            )
            engines.append(engine)
            built.append((engine, loop))
        (a, loop_a), (b, loop_b) = built
        loop_a.target, loop_b.target = b, a
        return a, b, loop_a, loop_b

    yield make
    for engine in engines:
        await engine.stop()
        await engine.store.close()


def _incoming(folder: Path, data: bytes, name: str) -> IncomingBody:
    path = folder / name
    path.write_bytes(data)
    return IncomingBody(path, len(data), hashlib.sha256(data).hexdigest())


async def _drain(*engines: Engine) -> None:
    for _ in range(10):
        if sum([await e.workers.run_once() for e in engines]) == 0:
            return
    raise AssertionError("deliveries keep coming")


async def _inbox_codes(engine: Engine, who: DmsPrincipal) -> list[str | None]:
    page = await engine.exchange.inbox(who, limit=50, cursor=None)
    return [i.status_code for i in page.items]


async def test_signed_document_and_statuses_make_the_round_trip(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, to_b, to_a = await pair()
    data, doc_id = document(H41, (G22,))
    await a.exchange.submit(
        _incoming(tmp_path, data, "d.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
    )

    await _drain(a, b)

    assert to_b.answers == ["accepted"]
    assert to_a.answers == ["accepted"], "the automatic 01 signed for G22 verifies at H41"
    (arrived,) = (await b.exchange.inbox(DMS_G22, limit=5, cursor=None)).items
    stored = b"".join(
        [c async for c in (await b.exchange.open_message(arrived.id, DMS_G22)).chunks()]
    )
    assert b"SignatureValue" in stored
    detail = await b.admin.detail(arrived.id)
    assert detail.verification["accepted"] is True

    accepted = status(G22, doc_id, "03", datetime.now(UTC))
    await b.exchange.submit(
        _incoming(tmp_path, accepted, "s.xml"), principal=DMS_G22, kind=MessageKind.STATUS
    )
    await _drain(a, b)

    assert await _inbox_codes(a, DMS_H41) == ["01", "03"]
    assert [s.code for s in await a.store.status_history(doc_id, G22)] == ["01", "03"]


async def test_a_tampered_document_is_refused_and_answered_with_02(pair, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, to_b, to_a = await pair(tamper=True)
    data, doc_id = document(H41, (G22,))
    await a.exchange.submit(
        _incoming(tmp_path, data, "d.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
    )

    await _drain(a, b)

    assert to_b.answers == ["signature-rejected"]
    assert to_a.answers == ["accepted"], "the 02 signed for G22 verifies at H41"
    assert (await b.exchange.inbox(DMS_G22, limit=5, cursor=None)).items == ()
    codes = await _inbox_codes(a, DMS_H41)
    assert codes.count("02") == 2, "the recipient's refusal and the node's failure notice"
    refusal = next(
        i
        for i in (await a.exchange.inbox(DMS_H41, limit=50, cursor=None)).items
        if i.status_code == "02" and i.from_ == G22
    )
    raw = b"".join([c async for c in (await a.exchange.open_message(refusal.id, DMS_H41)).chunks()])
    assert status_code(raw) == "02"
    assert doc_id.encode() in raw
