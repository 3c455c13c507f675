"""Stopping a node (what SIGTERM does): the listener stops accepting, in-flight
requests finish and get their answer, then workers stop, then the core closes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.integration.service.conftest import UBND, XML, harness


class RecordingWorker:
    def __init__(self, events: list[str]) -> None:
        self.events = events

    async def start(self) -> None:
        self.events.append("worker started")

    async def stop(self) -> None:
        self.events.append("worker stopped")


async def _refused(url: str) -> bool:
    timeout = aiohttp.ClientTimeout(total=2)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"{url}/healthz") as resp,
        ):
            await resp.read()
    except aiohttp.ClientConnectionError:
        return True
    return False


async def test_in_flight_submit_completes_while_new_connections_are_refused(
    tmp_path: Path, sample_document: bytes
) -> None:
    async with harness(tmp_path) as node:
        node.exchange.gate = asyncio.Event()
        url = node.url
        request = asyncio.create_task(
            node.http.post(f"{url}/api/v1/documents", data=sample_document, headers={**UBND, **XML})
        )
        await asyncio.wait_for(node.exchange.entered.wait(), 5)
        stopping = asyncio.create_task(node.service.stop())
        await asyncio.sleep(0)  # one loop turn: stop() closes the listening sockets first
        assert await _refused(url)
        assert not stopping.done()
        node.exchange.gate.set()
        resp = await asyncio.wait_for(request, 5)
        assert resp.status == 202
        assert (await resp.json())["id"] in node.exchange.messages
        resp.release()
        await asyncio.wait_for(stopping, 5)
    assert node.core.closed


async def test_workers_stop_after_listeners_and_before_the_core_closes(tmp_path: Path) -> None:
    from node.app.bootstrap import NodeService
    from tests.integration.service.conftest import recording
    from tests.support.fakes import FakeCore, RecordingTransport
    from tests.support.node_config import make_node

    events: list[str] = []
    test = make_node(tmp_path / "n")
    core = FakeCore(tmp_path / "store", background=(RecordingWorker(events),))
    service = NodeService(
        test.config,
        core_factory=core,
        transport_factory=recording(RecordingTransport()),
        environ={},
    )
    await service.start()
    assert events == ["worker started"]
    assert not await _refused(service.dms_url)
    url = service.dms_url
    await service.stop()
    assert events == ["worker started", "worker stopped"]
    assert core.closed
    assert await _refused(url)
    await service.stop()  # idempotent
