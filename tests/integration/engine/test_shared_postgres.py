"""Two engines (as two node processes would) share one PostgreSQL database and
run their delivery workers at the same time: every delivery is made exactly once."""

from __future__ import annotations

import asyncio

from node.engine import Engine
from node.model import MessageKind
from node.store import store_from_url
from tests.conftest import PostgresSchema
from tests.support.clock import FakeClock
from tests.support.engine_fakes import FakeKeyRing, FakeTransport, FakeVerifier
from tests.support.messages import document, spooled
from tests.unit.engine.conftest import DMS_UBND, NODE, STTTT, T0, UBND, VPCP, settings


async def test_two_engines_never_deliver_the_same_message_twice(
    postgres_schema: PostgresSchema, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    gate = asyncio.Event()
    transports = [FakeTransport(), FakeTransport()]
    engines = []
    for transport in transports:
        transport.gate = gate
        store = store_from_url(postgres_schema.url)
        await store.open()
        engines.append(
            Engine(
                settings(concurrency=4, claim_batch=3),
                store=store,
                keys=FakeKeyRing({NODE, STTTT}),
                verifier=FakeVerifier(),
                transport=transport,
                clock=FakeClock(T0),
            )
        )
    submitted = []
    for _ in range(40):
        data, _ = document(UBND, (VPCP,))
        result = await engines[0].exchange.submit(
            spooled(tmp_path, data), principal=DMS_UBND, kind=MessageKind.DOCUMENT
        )
        submitted.append(result.id)
    try:
        for engine in engines:
            await engine.start()
        for _ in range(500):  # both engines hold a full set of deliveries in flight
            if all(len(t.sent) >= 4 for t in transports):
                break
            await asyncio.sleep(0.02)
        gate.set()
        for _ in range(500):
            if sum(len(t.sent) for t in transports) >= 40:
                break
            await asyncio.sleep(0.02)
    finally:
        for engine in engines:
            await engine.stop()
            await engine.store.close()

    sent_ids = [s.meta.message_id for t in transports for s in t.sent]
    assert sorted(sent_ids) == sorted(submitted), "each message sent exactly once"
    assert all(t.sent for t in transports), "both engines delivered"
