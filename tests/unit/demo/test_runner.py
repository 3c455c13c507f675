"""The demo runner: every step passing exits 0; the first step that does not
check out is marked ✗ with its reason, later steps are skipped, exit 1; the
nodes are stopped and the temp dir removed either way (Ctrl-C included)."""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

import pytest

from node.app.demo import runner
from node.app.demo.console import Console
from node.app.demo.processes import StepFailed
from node.app.demo.world import World


class Utf8(io.StringIO):
    encoding = "utf-8"


def _steps(*results: str | BaseException) -> tuple[tuple[str, runner.Step], ...]:
    def make(result: str | BaseException) -> runner.Step:
        def step(world: World) -> list[str]:
            world.facts.setdefault("ran", []).append(result)
            world.facts["root"] = world.root
            if isinstance(result, BaseException):
                raise result
            return [result]

        return step

    return tuple((f"step {i}", make(r)) for i, r in enumerate(results, 1))


@pytest.fixture
def stopped(monkeypatch: pytest.MonkeyPatch) -> list[World]:
    worlds: list[World] = []
    monkeypatch.setattr(World, "stop_all", lambda self: worlds.append(self))
    return worlds


def _run(
    monkeypatch: pytest.MonkeyPatch, steps: tuple[tuple[str, runner.Step], ...]
) -> tuple[int, str]:
    monkeypatch.setattr(runner, "STEPS", steps)
    out = Utf8()
    return runner.run_demo(console=Console(len(steps), out)), out.getvalue()


def test_all_steps_pass(monkeypatch: pytest.MonkeyPatch, stopped: list[World]) -> None:
    code, out = _run(monkeypatch, _steps("one", "two"))
    assert code == 0
    assert " 1/2 ✓ step 1" in out
    assert "        one" in out
    assert "all 2 steps checked out" in out
    (world,) = stopped
    assert not Path(world.facts["root"]).exists(), "temp dir removed"


def test_first_failure_stops_the_run(monkeypatch: pytest.MonkeyPatch, stopped: list[World]) -> None:
    code, out = _run(monkeypatch, _steps("one", StepFailed("no 01 within 20 s"), "three"))
    assert code == 1
    assert " 2/3 ✗ step 2" in out
    assert "no 01 within 20 s" in out
    assert " 3/3 - step 3 (skipped)" in out
    assert "FAILED at step 2 of 3" in out
    (world,) = stopped
    assert len(world.facts["ran"]) == 2, "step 3 never ran"


def test_ctrl_c_stops_the_nodes_and_propagates(
    monkeypatch: pytest.MonkeyPatch, stopped: list[World]
) -> None:
    with pytest.raises(KeyboardInterrupt):
        _run(monkeypatch, _steps("one", KeyboardInterrupt()))
    assert len(stopped) == 1


def test_sigterm_stops_the_nodes_and_exits_143(
    monkeypatch: pytest.MonkeyPatch, stopped: list[World]
) -> None:
    def terminated(world: World) -> list[str]:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this at once
        return ["not reached"]

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as exit_info:
        _run(monkeypatch, (("terminated", terminated),))
    assert exit_info.value.code == 128 + signal.SIGTERM
    assert len(stopped) == 1
    assert signal.getsignal(signal.SIGTERM) == before, "handler restored"


def test_ascii_terminal_gets_ascii_marks() -> None:
    class Ascii(io.StringIO):
        encoding = "ascii"

    out = Ascii()
    Console(1, out).step(1, True, "x", 0.0, [])
    assert out.getvalue().startswith(" 1/1 OK x")
