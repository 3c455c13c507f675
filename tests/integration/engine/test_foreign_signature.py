"""Where the node signs for the organ (``signing = "node"``), a signature the
document already carries is verified first (docs/signing.md, "A foreign
signature where the node signs"): one that passes is kept under the node's
counter-signature and the delivered file verifies; one that fails is refused
with its reasons (400), nothing stored or delivered, never signed over."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from node.engine import Engine, EngineSettings, SigningMode
from node.errors import SignatureRejected
from node.model import MessageKind
from node.ports.api import DmsPrincipal, IncomingBody
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
from signing.keyring import OrganKey, build_key_ring
from signing.pki import TestPki, make_test_pki
from signing.policy import VerificationPolicy
from signing.verifier import DocumentVerifier
from tests.unit.engine.messages import document

H41, G22, S41 = "000.00.00.H41", "000.00.00.G22", "000.00.12.H41"
DMS = DmsPrincipal("dms-h41", frozenset({H41}))


class Recording:
    """A Transport that keeps what it was given to deliver."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def send(
        self, destination: Destination, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        self.sent.append(b"".join([c async for c in body.chunks()]))
        return DeliveryOutcome(Outcome.DELIVERED, "ok", 202)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestPki, TestPki]:
    ours = make_test_pki(tmp_path_factory.mktemp("pki"), [H41, S41], now=datetime.now(UTC))
    stranger = make_test_pki(tmp_path_factory.mktemp("other"), [S41], now=datetime.now(UTC))
    return ours, stranger


@pytest.fixture
async def node(
    pki: tuple[TestPki, TestPki], tmp_path: Path
) -> AsyncIterator[tuple[Engine, Recording, DocumentVerifier]]:
    ours, _ = pki
    material = ours.organ(H41)
    ring = build_key_ring([OrganKey(H41, material.cert, key=material.key)])
    store = store_from_url(f"sqlite://{tmp_path}/node.db")
    await store.open()
    transport = Recording()
    verifier = DocumentVerifier(VerificationPolicy(trust_dir=ours.directory))
    engine = Engine(
        EngineSettings(
            node_organ=H41,
            routing=RoutingTable({H41: "dms-h41"}, [("*.*.*.G22", "node-g22")], None, H41),
            signing={H41: SigningMode.NODE},
        ),
        store=store,
        keys=ring,
        verifier=verifier,
        transport=transport,
        clock=SystemClock(),
    )
    yield engine, transport, verifier
    await engine.stop()
    await store.close()


def _signed_by(pki: TestPki, organ: str, data: bytes) -> bytes:
    material = pki.organ(organ)
    signer = build_key_ring([OrganKey(organ, material.cert, key=material.key)]).signer_for(organ)
    assert signer is not None
    signed: bytes = signer.sign(data)
    return signed


async def _submit(engine: Engine, folder: Path, data: bytes) -> None:
    path = folder / f"in-{hashlib.sha256(data).hexdigest()[:8]}.edxml"
    path.write_bytes(data)
    body = IncomingBody(path, len(data), hashlib.sha256(data).hexdigest())
    await engine.exchange.submit(body, principal=DMS, kind=MessageKind.DOCUMENT)


async def _drain(engine: Engine) -> None:
    for _ in range(10):
        if await engine.workers.run_once() == 0:
            return
    raise AssertionError("deliveries keep coming")


async def test_a_signature_that_passes_is_kept_under_the_nodes(
    node: tuple[Engine, Recording, DocumentVerifier], pki: tuple[TestPki, TestPki], tmp_path: Path
) -> None:
    engine, transport, verifier = node
    data, _ = document(H41, (G22,))
    await _submit(engine, tmp_path, await asyncio.to_thread(_signed_by, pki[0], S41, data))
    await _drain(engine)
    (delivered,) = transport.sent
    assert delivered.count(b"<SignatureValue>") == 2  # the DMS's, then the node's over it
    out = tmp_path / "delivered.edxml"
    out.write_bytes(delivered)
    outcome = await asyncio.to_thread(verifier.verify, out)
    assert outcome.accepted, outcome.reasons
    assert set(outcome.signer_organs) == {S41, H41}


@pytest.mark.parametrize("spoil", ["altered", "stranger"])
async def test_a_signature_that_fails_is_refused_not_signed_over(
    node: tuple[Engine, Recording, DocumentVerifier],
    pki: tuple[TestPki, TestPki],
    tmp_path: Path,
    spoil: str,
) -> None:
    engine, transport, verifier = node
    data, document_id = document(H41, (G22,))
    if spoil == "altered":  # changed after the DMS signed it
        signed = await asyncio.to_thread(_signed_by, pki[0], S41, data)
        bad = signed.replace("báo cáo".encode(), b"bao cao", 1)
        assert bad != signed
    else:  # signed under a CA this node does not trust
        bad = await asyncio.to_thread(_signed_by, pki[1], S41, data)
    probe = tmp_path / "probe.edxml"
    probe.write_bytes(bad)
    expected = (await asyncio.to_thread(verifier.verify, probe)).reasons
    assert expected
    assert all(r.startswith("signature 1: ") for r in expected), expected

    with pytest.raises(SignatureRejected) as refused:
        await _submit(engine, tmp_path, bad)

    assert refused.value.http_status == 400
    assert refused.value.reasons == expected  # each failing signature's reasons
    assert refused.value.detail.startswith(
        f"the document from {H41} carries a signature that fails, and the node will not "
        f"sign over it for {H41}: {expected[0]}"
    )
    await _drain(engine)
    assert transport.sent == []
    assert await engine.store.document_recipients(document_id, H41) == ()
