"""Child processes of the demo: one-shot ``lienthong`` commands and the two
``lienthong serve`` nodes (started in their own session, so a Ctrl-C in the
terminal reaches the demo, which then stops them in order)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from node.app.demo.http import Http, HttpError

LIENTHONG = (sys.executable, "-m", "node.app.cli.main")


class StepFailed(Exception):
    """A step did not check out; the message says what was expected and seen."""


def lienthong(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run one ``lienthong`` command to completion (bounded) and return its result."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        return subprocess.run(
            [*LIENTHONG, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StepFailed(f"`lienthong {' '.join(args)}` did not finish in {timeout:g} s") from None


def command(args: Sequence[str]) -> str:
    """How a user would type it."""
    return "lienthong " + " ".join(args)


@dataclass
class NodeProcess:
    """One ``lienthong serve --config CONFIG`` with its output in ``log``."""

    name: str
    config: Path
    log: Path
    ready_url: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, timeout: float = 60.0) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*LIENTHONG, "serve", "--config", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.config.parent,
                start_new_session=True,
            )
        http = Http(timeout=2.0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:  # bounded
            if self.process.poll() is not None:
                raise StepFailed(
                    f"node {self.name} exited with {self.process.returncode}: {self.tail()}"
                )
            try:
                if http.get(self.ready_url).status == 200:
                    return
            except HttpError:
                pass
            time.sleep(0.1)
        raise StepFailed(f"node {self.name} not ready after {timeout:g} s: {self.tail()}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, wait (bounded), SIGKILL if it must; the exit code."""
        proc = self.process
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.process = None
        return proc.returncode

    def tail(self, lines: int = 5) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"
