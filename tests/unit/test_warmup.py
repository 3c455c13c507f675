"""Each worker thread of a serving node compiles its edXML schema at birth,
one at a time, so a burst right after a (re)start never meets a half-built one."""

from __future__ import annotations

import asyncio

import pytest

from node.app.warmup import probe_message, use_warm_executor, warm_thread
from node.validation import validate_bytes


def test_the_probe_message_is_valid() -> None:
    assert validate_bytes(probe_message()).valid


async def test_validations_in_a_burst_on_fresh_threads_all_pass() -> None:
    loop = asyncio.get_running_loop()
    executor = use_warm_executor(loop)
    try:
        data = probe_message()
        reports = await asyncio.gather(
            *(loop.run_in_executor(None, validate_bytes, data) for _ in range(64))
        )
        assert all(r.valid for r in reports), [r.issues for r in reports if not r.valid][:1]
    finally:
        executor.shutdown(wait=True)


def test_a_failing_warm_up_does_not_break_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    import node.app.warmup

    def broken() -> bytes:
        raise RuntimeError("no schema")

    monkeypatch.setattr(node.app.warmup, "probe_message", broken)
    warm_thread()  # an exception here would make every later task of the pool fail
