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

import pytest

from tests.support.harness.chaos import run_chaos
from tests.support.harness.fixtures import running_pair

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


def test_a_killed_node_leaves_no_offload_process_behind(tmp_path: Path) -> None:
    """The offload worker (node/offload.py) and multiprocessing's resource
    tracker end with the node, SIGKILL included: restarts never pile them up."""
    with running_pair(tmp_path) as ((a, b), _):
        assert a.pid is not None
        assert b.pid is not None
        killed, stopped = _children(a.pid), _children(b.pid)
        assert killed, "a node runs its offload worker"
        assert stopped
        a.kill()
        assert _gone(killed, 15) == set(), "the children of a SIGKILLed node end"
        assert b.stop() == 0
        assert _gone(stopped, 15) == set(), "and those of a stopped one"
