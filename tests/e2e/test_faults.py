"""Faults with real node processes: the peer down for a while, the PostgreSQL
store cut (a TCP proxy in front of it closes every connection), the SQLite +
blob disk full (a small tmpfs). While broken the node answers 503 (never 500),
/readyz says so; afterwards every accepted document arrives exactly once and
its 01 comes back. The long version is bench/chaos.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.conftest import PostgresSchema
from tests.support.harness.dms import Dms
from tests.support.harness.faults import TcpProxy, fill, small_tmpfs, tmpfs_problem
from tests.support.harness.fixtures import arunning
from tests.support.harness.nodes import G22, H41, NodeSetup, make_pair
from tests.support.harness.process import NodeProcess
from tests.support.messages import document

pytestmark = pytest.mark.slow

_numbers = iter(range(30_000, 40_000))


def new_document() -> tuple[bytes, str]:
    return document(H41, (G22,), number=next(_numbers))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def submit_all(dms: Dms, count: int) -> set[str]:
    answers = [await dms.submit(new_document()[0], give_up_after=30) for _ in range(count)]
    return {answer["document_id"] for answer in answers}


async def assert_exactly_once(a: Dms, b: Dms, accepted: set[str]) -> None:
    documents = await b.drain(accepted, kind="document")
    assert set(documents) == accepted
    assert all(len(ids) == 1 for ids in documents.values()), documents
    statuses = await a.drain(accepted, kind="status")
    assert set(statuses) == {f"{d} 01" for d in accepted}
    assert all(len(ids) == 1 for ids in statuses.values()), statuses


async def answers_while_broken(dms: Dms, tries: int = 5) -> list[int | str]:
    return [await dms.post_once(new_document()[0]) for _ in range(tries)]


def processes(tmp_path: Path, a: NodeSetup, b: NodeSetup) -> tuple[NodeProcess, NodeProcess]:
    logs = tmp_path / "logs"
    logs.mkdir(exist_ok=True)
    return a.process(logs), b.process(logs)


async def test_peer_down_for_a_while(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    a, b = make_pair(tmp_path)
    pa, pb = processes(tmp_path, a, b)
    async with arunning(pa, pb):
        dms_a, dms_b = Dms(http, a.dms_url, a.dms_token), Dms(http, b.dms_url, b.dms_token)
        pb.stop()
        accepted = await submit_all(dms_a, 10)  # node A takes them with B down
        for _ in range(200):  # bounded: A tries, fails and schedules a retry
            failed = await dms_a.metric("lienthong_delivery_attempts_total", outcome="transient")
            if failed:
                break
            await asyncio.sleep(0.05)
        assert failed > 0
        await asyncio.to_thread(pb.start)
        await assert_exactly_once(dms_a, dms_b, accepted)


async def test_postgres_cut_answers_503_then_recovers(
    tmp_path: Path, http: aiohttp.ClientSession, postgres_schema: PostgresSchema
) -> None:
    server = urlsplit(postgres_schema.dsn)
    proxy = TcpProxy(server.hostname or "127.0.0.1", server.port or 5432)
    await proxy.start()
    via_proxy = postgres_schema.url.replace(
        server.netloc, f"{server.username}@127.0.0.1:{proxy.port}"
    )
    a, b = make_pair(tmp_path, storage=(via_proxy, None))
    pa, pb = processes(tmp_path, a, b)
    try:
        async with arunning(pa, pb):
            dms_a, dms_b = Dms(http, a.dms_url, a.dms_token), Dms(http, b.dms_url, b.dms_token)
            accepted = await submit_all(dms_a, 3)

            await proxy.cut()
            broken = await answers_while_broken(dms_a)
            assert 503 in broken, broken
            assert set(broken) <= {503}, broken  # never a 500, never accepted
            assert await dms_a.ready() == 503

            await proxy.restore()
            accepted |= await submit_all(dms_a, 3)
            for _ in range(100):  # bounded: the pool reconnects
                if await dms_a.ready() == 200:
                    break
                await asyncio.sleep(0.1)
            assert await dms_a.ready() == 200
            await assert_exactly_once(dms_a, dms_b, accepted)
            assert pa.running, pa.tail()
    finally:
        await proxy.close()


async def test_disk_full_answers_503_then_recovers(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    problem = tmpfs_problem()
    if problem:
        pytest.skip(problem)
    try:
        mount = small_tmpfs(tmp_path / "a-data", 16)
        data_dir = mount.__enter__()
    except OSError as exc:
        pytest.skip(f"no tmpfs for the disk-full fault: {exc}")
    try:
        a, b = make_pair(tmp_path, data_dirs=(data_dir, None))
        pa, pb = processes(tmp_path, a, b)
        async with arunning(pa, pb):
            dms_a, dms_b = Dms(http, a.dms_url, a.dms_token), Dms(http, b.dms_url, b.dms_token)
            accepted = await submit_all(dms_a, 3)

            filler = fill(data_dir)
            broken = await answers_while_broken(dms_a)
            assert 503 in broken, broken
            assert set(broken) <= {503}, broken
            assert await dms_a.ready() == 503
            leftovers = [*data_dir.rglob("*.body"), *data_dir.rglob("*.signed")]
            assert leftovers == [], "partial spool files left"

            filler.unlink()
            accepted |= await submit_all(dms_a, 3)
            assert await dms_a.ready() == 200
            await assert_exactly_once(dms_a, dms_b, accepted)
            assert pa.running, pa.tail()
    finally:
        mount.__exit__(None, None, None)
