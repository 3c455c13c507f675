"""Two real `lienthong serve` processes on SQLite; 20 SIGKILLs of either node
at random moments while documents and statuses flow, each followed by a
restart. Every document DMS A got a 200/202 for reaches DMS B's inbox exactly
once, and its 01 (from node B) and 03 (from DMS B) reach DMS A exactly once.
The long version is `make chaos` (bench/chaos.py)."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import aiohttp
import pytest

from tests.support.harness.chaos import run_chaos
from tests.support.harness.dms import Dms
from tests.support.harness.fixtures import running, running_pair
from tests.support.harness.nodes import G22, H41, edit, make_pair
from tests.support.messages import document

pytestmark = pytest.mark.slow


async def test_twenty_sigkills_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    with running_pair(tmp_path) as (processes, setups):
        report = await run_chaos(
            processes, setups, documents=40, kills=20, seed=5, gap=(0.05, 0.4), down=(0.0, 0.2)
        )
        for process in processes:
            assert process.stop() == 0, process.tail()

    assert sum(report.kills.values()) == 20
    assert min(report.kills.values()) > 0, report.kills  # both nodes were killed
    assert report.accepted == 40
    assert report.clean, (
        report.table()
        + f"\n{report.lost=}\n{report.duplicated=}\n"
        + str(report.missing_statuses[:10])
    )
    # the DMS really met a dead node: the kills were not between requests only
    assert report.answers["a"].get("down", 0) + report.answers["b"].get("down", 0) > 0


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with (
                contextlib.suppress(OSError, IndexError, ValueError),
                open(f"/proc/{entry}/stat") as stat,
            ):
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry))
    return found


def _gone(pids: set[int], within: float) -> set[int]:
    """The pids still alive after ``within`` seconds (polled)."""
    deadline = time.monotonic() + within
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive = {p for p in alive if os.path.exists(f"/proc/{p}")}
        time.sleep(0.05)
    return alive


async def test_a_killed_node_leaves_no_offload_process_behind(tmp_path: Path) -> None:
    """The offload worker (node/offload.py) and multiprocessing's resource
    tracker end with the node, SIGKILL included: restarts never pile them up.
    (Every message is offloaded here: ``limits.offload_bytes = 1``.)"""
    setups = make_pair(tmp_path)
    for setup in setups:
        edit(setup.config, "offload_bytes = 4194304", "offload_bytes = 1")
    (tmp_path / "logs").mkdir()
    a, b = (setup.process(tmp_path / "logs") for setup in setups)
    with running(a, b):
        assert a.pid is not None
        assert b.pid is not None
        assert _children(a.pid) == set(), "no worker before the first big message"
        data, doc_id = document(H41, (G22,))
        async with aiohttp.ClientSession() as http:
            await Dms(http, a.dms_url, setups[0].dms_token).submit(data)
            seen = await Dms(http, b.dms_url, setups[1].dms_token).drain({doc_id}, kind="document")
        assert doc_id in seen
        killed, stopped = _children(a.pid), _children(b.pid)
        assert killed, "node A signed through its offload worker"
        assert stopped, "node B validated through its own"
        a.kill()
        assert _gone(killed, 15) == set(), "the children of a SIGKILLed node end"
        assert b.stop() == 0
        assert _gone(stopped, 15) == set(), "and those of a stopped one"
