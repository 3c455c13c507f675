"""One `lienthong serve` process that can be killed (SIGKILL) and restarted on
the same ports, data and configuration."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

LIENTHONG = [sys.executable, "-m", "node.app.cli.main"]
READY_TIMEOUT = 60.0


class NodeProcess:
    """``start`` → ``kill`` (SIGKILL) → ``start`` again; ``stop`` (SIGTERM) at the end.

    Output goes to ``<log_dir>/<name>.log`` (appended across restarts) so a full
    pipe can never block the node."""

    def __init__(
        self,
        name: str,
        config: Path,
        dms_url: str,
        peer_port: int | None,
        log_dir: Path,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.dms_url = dms_url
        self.peer_port = peer_port
        self.env = dict(env or {})
        """Extra environment (secrets named by the config's *_env keys)."""
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def spawn(self) -> None:
        assert not self.running, f"{self.name} is already running"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*LIENTHONG, "serve", "--config", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
            )
        self.starts += 1

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Until the DMS listener answers /healthz and the peer port accepts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}"
                )
            if _answers(self.dms_url + "/healthz") and _accepts(self.peer_port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")

    def start(self, timeout: float = READY_TIMEOUT) -> None:
        self.spawn()
        self.wait_ready(timeout)

    async def astart(self) -> None:
        self.spawn()
        await asyncio.to_thread(self.wait_ready)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
            self.kills += 1

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait (SIGKILL if it does not stop in time); the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        return self.proc.returncode

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"


def _answers(url: str) -> bool:
    try:
        with urlopen(url, timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _accepts(port: int | None) -> bool:
    if port is None:
        return True
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port
