"""Faults on the three-level chain (tests/support/harness/chain.py), with three real
``lienthong serve`` processes: DMS H41 → node H41 → (VDXP) node G22 → (VDXP,
polled) node H22 → DMS H22, statuses back.

- a node SIGKILLed during a run and restarted (each of the three in turn): 0
  lost, 0 duplicated, every status delivered;
- the national node down for a while and back: all delivered, the attempts of
  H41's link and the polls of H22's on their schedules (counted from the admin
  API and /metrics, bounded by what the schedule allows in the time it was
  down: no storm);
- a routing loop (G22 believes H41 serves an organ H41 does not) stopped at
  H41, and the hop limit enforced at G22 (``Lienthong-Hops`` beside
  ``sendEdoc``), each node's trace showing the path.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from node.retry import RetryPolicy
from tests.support.harness.chain import (
    G22,
    H22,
    H41,
    UPSTREAM,
    Admin,
    answer_and_collect,
    make_chain,
)
from tests.support.harness.chaos import run_chaos
from tests.support.harness.dms import Dms
from tests.support.harness.fixtures import arunning
from tests.support.harness.nodes import edit
from tests.support.messages import document

pytestmark = pytest.mark.slow

# The schedules the chain runs on (tests/support/harness/nodes.py FAST_RETRY, chain.py upstream()).
RETRY = RetryPolicy(
    initial=timedelta(milliseconds=200), max_interval=timedelta(seconds=2), jitter=0.2
)
POLL_INTERVAL, MAX_POLL_INTERVAL = 0.2, 2.0


def most_attempts(seconds: float, delay_after: list[float]) -> int:
    """The most attempts a schedule allows in ``seconds``: the first at once,
    then one after each delay (``delay_after[k]``: the shortest wait after
    k + 1 failures; the last repeats)."""
    attempts, spent = 1, 0.0
    while True:  # bounded: every delay is positive
        wait = delay_after[min(attempts - 1, len(delay_after) - 1)]
        if spent + wait > seconds:
            return attempts
        spent += wait
        attempts += 1


def retry_delays() -> list[float]:
    shortest = 1.0 - RETRY.jitter
    return [RETRY.base_delay(k).total_seconds() * shortest for k in range(1, 12)]


def poll_delays() -> list[float]:
    return [min(POLL_INTERVAL * 2**k, MAX_POLL_INTERVAL) for k in range(1, 12)]


async def wait_for(check: Callable[[], Awaitable[bool]], what: str, rounds: int = 600) -> None:
    for _ in range(rounds):  # bounded: rounds × 0.1 s
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


async def test_each_node_killed_during_a_run_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    chain = make_chain(tmp_path)
    async with arunning(*chain.processes(tmp_path / "logs")) as processes:
        report = await run_chaos(
            processes,
            (chain.h41.setup, chain.h22.setup),
            documents=24,
            kills=4,
            seed=3,
            route=(H41, H22),
            victims=("g22", "h41", "h22", "g22"),
            stall_timeout=60.0,
        )
    assert report.kills == {"h41": 1, "g22": 2, "h22": 1}
    assert report.accepted == 24
    assert report.clean, report.table() + f"\n{report.lost=}\n{report.missing_statuses=}"


async def test_the_national_node_down_and_back_delivers_all_on_schedule(tmp_path: Path) -> None:
    chain = make_chain(tmp_path)
    async with (
        arunning(*chain.processes(tmp_path / "logs")) as (_h41, g22, _h22),
        aiohttp.ClientSession() as http,
    ):
        dms_h41 = Dms(http, chain.h41.setup.dms_url, chain.h41.setup.dms_token)
        dms_h22 = Dms(http, chain.h22.setup.dms_url, chain.h22.setup.dms_token)
        link = {"upstream": UPSTREAM}
        polls_before = await dms_h22.metric("lienthong_upstream_polls_total", result="failure")
        g22.kill()
        down_at = time.monotonic()
        sent: dict[str, str] = {}

        async def submit(n: int) -> None:
            data, document_id = document(H41, (H22,), number=8000 + n)
            sent[document_id] = (await dms_h41.submit(data))["id"]

        async def send_failures() -> float:
            return await dms_h41.metric("lienthong_upstream_send_failures_total", **link)

        await submit(0)
        await wait_for(lambda: _at_least(send_failures, 1), "a first failed sendEdoc")
        # Each new one is tried once, fails and holds the others back behind it.
        await asyncio.gather(*(submit(n) for n in range(1, 10)))
        h41 = Admin(http, chain.h41.setup)

        async def failed_attempts() -> dict[str, int]:
            failed = {}
            for message_id in sent.values():
                (up,) = (await h41.trace(message_id))["deliveries"]
                failed[message_id] = sum(a["outcome"] != "delivered" for a in up["attempts"])
            return failed

        async def probing() -> bool:
            return max((await failed_attempts()).values()) >= 4

        await wait_for(probing, "the probe retrying while down", rounds=300)

        async def poll_failures() -> float:
            got = await dms_h22.metric("lienthong_upstream_polls_total", result="failure")
            return got - polls_before

        await wait_for(lambda: _at_least(poll_failures, 3), "H22's polls failing")
        await g22.astart()

        arrived = await dms_h22.drain(set(sent), kind="document", patience=90)
        assert {d: len(ids) for d, ids in arrived.items()} == dict.fromkeys(sent, 1)
        statuses = await answer_and_collect(dms_h41, dms_h22, sent)
        assert {k: len(v) for k, v in statuses.items()} == {
            f"{d} {code}": 1 for d in sent for code in ("01", "03")
        }
        elapsed = time.monotonic() - down_at  # an upper bound of the time it was down

        failed = await failed_attempts()
        for message_id in sent.values():
            (up,) = (await h41.trace(message_id))["deliveries"]
            assert up["state"] == "delivered"
            assert up["attempts"][-1]["outcome"] == "delivered"
        # One probe retries on the schedule; the others, held back behind it,
        # failed once when they were new (twice at most, had one been the probe
        # a moment before the next was submitted) and were not retried.
        *others, probe = sorted(failed.values())
        assert all(n <= 2 for n in others), failed
        assert 4 <= probe <= most_attempts(elapsed, retry_delays()), (failed, elapsed)
        assert await send_failures() == sum(failed.values())
        assert await dms_h41.metric(
            "lienthong_upstream_send_attempts_total", outcome="delivered", **link
        ) == len(sent)
        # H22's poller backed off while G22 was down, and polls again.
        assert 3 <= await poll_failures() <= most_attempts(elapsed, poll_delays())
        assert await dms_h22.metric("lienthong_upstream_polls_total", result="success") > 0
        acked = "lienthong_upstream_messages_total"
        assert await dms_h22.metric(acked, outcome="acked", **link) >= len(sent)  # documents
        assert await dms_h41.metric(acked, outcome="acked", **link) >= 2 * len(sent)  # 01, 03


async def _at_least(read: Callable[[], Awaitable[float]], value: float) -> bool:
    try:
        return bool(await read() >= value)
    except aiohttp.ClientError:
        return False


LOOPED = "000.00.00.H99"


async def test_a_routing_loop_through_the_national_node_is_stopped_where_it_comes_back(
    tmp_path: Path,
) -> None:
    """H41 does not serve H99 and sends it up; G22 (misconfigured) believes H41
    serves H99 and offers it back to H41. H41 refuses it (``fail``,
    not-for-this-node): nothing is stored at H41, nothing goes up again. VDXP
    lists carry no hop list downward, so there the recipient filter is what
    stops a loop (docs/upstream.md)."""
    chain = make_chain(tmp_path, g22_extra_organs={H41: (LOOPED,)})
    async with arunning(*chain.processes(tmp_path / "logs")), aiohttp.ClientSession() as http:
        dms_h41 = Dms(http, chain.h41.setup.dms_url, chain.h41.setup.dms_token)
        data, document_id = document(H41, (LOOPED,), number=9100)
        message_id = (await dms_h41.submit(data))["id"]
        link = {"upstream": UPSTREAM}

        async def refused() -> float:
            return await dms_h41.metric(
                "lienthong_upstream_messages_total", outcome="refused", **link
            )

        await wait_for(lambda: _at_least(refused, 1), "H41 refusing the looped document")
        h41, g22 = Admin(http, chain.h41.setup), Admin(http, chain.g22.setup)
        out = await h41.trace(message_id)
        (up,) = out["deliveries"]
        assert up["state"] == "delivered"
        doc_id = up["attempts"][-1]["detail"].split("DocId ")[1].split()[0]
        at_g22 = await g22.trace(doc_id)
        assert at_g22["sender"] == H41
        assert at_g22["recipients"] == [LOOPED]
        assert [h["node"] for h in at_g22["hops"]] == [G22]  # the path: H41 → G22
        assert at_g22["state"] == "stored"  # in H41's VDXP inbox, never acknowledged
        assert [h["node"] for h in out["hops"]] == [H41, H41]  # in from the DMS, out to G22
        # Nothing of the loop was stored at H41, nothing went up a second time.
        assert [m["id"] for m in await h41.messages()] == [message_id]
        assert (
            await dms_h41.metric(
                "lienthong_upstream_send_attempts_total", outcome="delivered", **link
            )
            == 1
        )
        assert (
            await dms_h41.metric("lienthong_upstream_messages_total", outcome="acked", **link) == 0
        )
        assert document_id not in {i["document_id"] for i in await dms_h41.inbox()}


async def test_the_hop_limit_is_enforced_at_the_national_node(tmp_path: Path) -> None:
    """H41's node names the nodes a message passed in ``Lienthong-Hops`` beside
    its ``sendEdoc``; G22 with ``hop_limit = 1`` refuses one that already entered
    a node (H41): FAIL, permanent, so H41 dead-letters it and tells its DMS;
    nothing is stored at G22, nothing reaches H22. The trace at H41 shows the
    path and the reason."""
    chain = make_chain(tmp_path)
    edit(chain.g22.setup.config, "[node]\n", "[node]\nhop_limit = 1\n")
    async with arunning(*chain.processes(tmp_path / "logs")), aiohttp.ClientSession() as http:
        dms_h41 = Dms(http, chain.h41.setup.dms_url, chain.h41.setup.dms_token)
        dms_h22 = Dms(http, chain.h22.setup.dms_url, chain.h22.setup.dms_token)
        data, document_id = document(H41, (H22,), number=9200)
        message_id = (await dms_h41.submit(data))["id"]
        notices = await dms_h41.drain({document_id}, kind="status")
        h41, g22 = Admin(http, chain.h41.setup), Admin(http, chain.g22.setup)
        out = await h41.trace(message_id)
        assert [(h["node"], h["direction"]) for h in out["hops"]] == [(H41, "in")]
        (up,) = out["deliveries"]
        assert up["destination"]["name"] == UPSTREAM
        assert up["state"] != "delivered"
        (attempt,) = up["attempts"]  # permanent: not retried
        assert attempt["outcome"] == "permanent"
        assert "hop limit exceeded" in attempt["detail"], attempt
        assert "entered 1 node(s) and the limit is 1" in attempt["detail"], attempt
        assert notices
        assert {k.split()[0] for k in notices} == {document_id}
        assert await g22.messages() == []
        assert await dms_h22.inbox() == []
