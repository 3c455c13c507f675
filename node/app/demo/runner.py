"""Runs the demo's steps in order, stops at the first one that does not check
out, and stops every node it started whatever happens (Ctrl-C included)."""

from __future__ import annotations

import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from node.app.cli.init import free_port
from node.app.demo import steps
from node.app.demo.console import Console
from node.app.demo.http import HttpError
from node.app.demo.processes import StepFailed
from node.app.demo.world import G22, H41, DemoNode, World

Step = Callable[[World], list[str]]

STEPS: tuple[tuple[str, Step], ...] = (
    ("test PKI made with `lienthong pki init`", steps.make_pki),
    (
        "two nodes started: A = 000.00.00.H41 (province), B = 000.00.00.G22 (Office of the "
        "Government)",
        steps.start_nodes,
    ),
    (
        "DMS A submits a document with a signed PDF; node A signs it and routes it to node B",
        steps.submit_document,
    ),
    ("node B verifies and stores it; DMS B pulls it", steps.pull_document),
    ("node B emits status 01 by itself; it reaches DMS A", steps.arrived_status),
    ("DMS B sends 03 then 06; both reach DMS A", steps.handling_statuses),
    ("peer outage: node B down, the next document waits in node A's retry queue", steps.outage),
    ("node B back: the queued document is delivered", steps.recovery),
    ("a forged document is refused by node B with status 02 to the sender", steps.forged_document),
    ("the auditor checks the delivered file offline with `lienthong verify`", steps.audit),
)


def run_demo(keep: Path | None = None, console: Console | None = None) -> int:
    """0 when every step checked out, 1 otherwise. KeyboardInterrupt propagates
    (the CLI turns it into 130) after the nodes are stopped."""
    console = console or Console(len(STEPS))
    if keep is not None:
        keep = keep.expanduser().resolve()
        if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
            print(
                f"lienthong demo: --keep {keep}: choose a new or empty directory", file=sys.stderr
            )
            return 2
        keep.mkdir(parents=True, exist_ok=True)
    root = keep or Path(tempfile.mkdtemp(prefix="lienthong-demo-"))
    world = World(
        root,
        DemoNode("A", H41, root / "node-a", free_port(), free_port()),
        DemoNode("B", G22, root / "node-b", free_port(), free_port()),
    )
    console.say(f"lienthong demo: two nodes, two simulated DMSs, in {root}")
    started = time.monotonic()
    previous = _exit_on_termination()
    try:
        passed = _run_steps(world, console)
    finally:
        world.stop_all()
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
        _restore(previous)
    seconds = time.monotonic() - started
    where = f"files kept in {root}" if keep else "temp dir removed (--keep DIR keeps it)"
    if passed == len(STEPS):
        console.say(f"lienthong demo: all {passed} steps checked out in {seconds:.1f} s; {where}")
        return 0
    console.say(f"lienthong demo: FAILED at step {passed + 1} of {len(STEPS)}; {where}")
    return 1


def _exit_on_termination() -> dict[int, Any]:
    """SIGTERM/SIGHUP end the demo like Ctrl-C does: through ``finally``, so the
    nodes (in sessions of their own) are stopped, then exit 128 + signal."""

    def stop(signum: int, frame: object) -> None:
        del frame
        raise SystemExit(128 + signum)

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, stop)
    return previous


def _restore(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _run_steps(world: World, console: Console) -> int:
    """How many steps checked out (all of them, or up to the first failure)."""
    for number, (title, step) in enumerate(STEPS, 1):
        started = time.monotonic()
        try:
            lines = step(world)
        except (StepFailed, HttpError, OSError, ValueError, KeyError, TypeError) as exc:
            reason = str(exc) if isinstance(exc, StepFailed | HttpError) else repr(exc)
            console.step(number, False, title, time.monotonic() - started, [reason])
            for later, (skipped, _) in enumerate(STEPS[number:], number + 1):
                console.skipped(later, skipped)
            return number - 1
        console.step(number, True, title, time.monotonic() - started, lines)
    return len(STEPS)
