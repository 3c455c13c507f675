"""Each worker thread of a serving node compiles its edXML schema at birth,
one at a time, so a burst right after a (re)start never meets a half-built one."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

import node.app.warmup
import node.validation.validator
from node.app.warmup import probe_message, use_warm_executor
from node.validation import validate_bytes


def test_the_probe_message_is_valid() -> None:
    assert validate_bytes(probe_message()).valid


async def test_every_worker_compiles_its_schema_once_and_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled_by: list[tuple[str, int]] = []
    in_flight = [0]
    most_in_flight = [0]
    count_lock = threading.Lock()

    def recording(name: str) -> Callable[[], object]:
        compile_real = getattr(node.validation.validator, name)

        def compile_recorded() -> object:
            # Deterministic: a compile outside the warm-up lock fails here at once
            # (in the warm-up, which the task's own compile then repeats).
            assert node.app.warmup._ONE_AT_A_TIME.locked()
            with count_lock:
                in_flight[0] += 1
                most_in_flight[0] = max(most_in_flight[0], in_flight[0])
                compiled_by.append((name, threading.get_ident()))
            try:
                return compile_real()
            finally:
                with count_lock:
                    in_flight[0] -= 1

        return compile_recorded

    # The first pass uses the strict schema; the full one is compiled when it fails.
    for name in ("load_strict_schema", "load_edxml_schema"):
        monkeypatch.setattr(node.validation.validator, name, recording(name))
    loop = asyncio.get_running_loop()
    executor = use_warm_executor(loop)
    data = probe_message()

    def task() -> tuple[int, bool]:
        return threading.get_ident(), node.validation.validate_bytes(data).valid

    try:
        results = await asyncio.gather(*(loop.run_in_executor(None, task) for _ in range(64)))
    finally:
        executor.shutdown(wait=True)
    workers = {ident for ident, _ in results}
    assert all(valid for _, valid in results)
    # Every thread that ran a task compiled at birth, exactly once, never two together.
    assert len(compiled_by) == len(set(compiled_by)), compiled_by
    assert workers <= {ident for name, ident in compiled_by if name == "load_strict_schema"}
    assert most_in_flight[0] == 1


async def test_a_failing_warm_up_leaves_a_pool_whose_tasks_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> bytes:
        raise RuntimeError("no schema")

    monkeypatch.setattr(node.app.warmup, "probe_message", broken)
    loop = asyncio.get_running_loop()
    executor = use_warm_executor(loop)
    try:
        answers = await asyncio.gather(*(loop.run_in_executor(None, pow, n, 2) for n in range(8)))
    finally:
        executor.shutdown(wait=True)
    assert answers == [n * n for n in range(8)]
