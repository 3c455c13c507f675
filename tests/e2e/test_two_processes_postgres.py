"""Two `lienthong serve` processes of one node share one PostgreSQL database
(as the storage contract allows) and deliver to a third process, node B, at the same
time: every document reaches DMS B exactly once, node B never sees the same
transfer twice (it would count a duplicate), and both processes did deliver."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import PostgresSchema
from tests.support.harness.dms import Dms
from tests.support.harness.fixtures import running
from tests.support.harness.nodes import G22, H41, edit, make_pair, twin
from tests.support.messages import document

pytestmark = pytest.mark.slow
DOCUMENTS = 40


async def _drain(dms: Dms, want: int) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for _ in range(1200):  # bounded: ~60 s
        for item in await dms.inbox():
            seen.setdefault(item["document_id"], set()).add(item["id"])
            assert await dms.ack(item["id"])
        if len(seen) >= want:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(seen)} of {want} documents arrived")


async def test_two_processes_on_one_database_deliver_each_document_once(
    tmp_path: Path, postgres_schema: PostgresSchema
) -> None:
    a, b = make_pair(tmp_path, storage=(postgres_schema.url, None))
    # No process dies here: a long lease, so that only the claim's locking (not
    # an expired lease on a slow machine) decides who delivers what.
    edit(a.config, 'lease = "3s"', 'lease = "2m"')
    a2 = twin(a, "a2")
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = (b.process(logs), a.process(logs), a2.process(logs))
    with running(*processes):
        async with aiohttp.ClientSession() as http:
            senders = [Dms(http, a.dms_url, a.dms_token), Dms(http, a2.dms_url, a2.dms_token)]
            receiver = Dms(http, b.dms_url, b.dms_token)
            batches = [document(H41, (G22,), number=20_000 + i)[0] for i in range(DOCUMENTS)]
            accepted = await asyncio.gather(
                *(senders[i % 2].submit(data) for i, data in enumerate(batches))
            )
            assert len({answer["document_id"] for answer in accepted}) == DOCUMENTS

            seen = await _drain(receiver, DOCUMENTS)

            assert sorted(seen) == sorted(answer["document_id"] for answer in accepted)
            assert all(len(ids) == 1 for ids in seen.values()), seen
            duplicates = await receiver.metric(
                "lienthong_messages_accepted_total", source="peer", duplicate="yes"
            )
            assert duplicates == 0
            delivered = [
                await sender.metric(
                    "lienthong_delivery_attempts_total",
                    destination_kind="peer",
                    outcome="delivered",
                )
                for sender in senders
            ]
            assert sum(delivered) == DOCUMENTS
            assert all(n > 0 for n in delivered), delivered  # the work was shared
            for sender in senders:
                assert (
                    await sender.metric("lienthong_delivery_attempts_total", outcome="duplicate")
                    == 0
                )
