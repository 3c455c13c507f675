"""Real ``lienthong serve`` processes set up with the CLI as an operator would
(``pki init``, ``init``), on 127.0.0.1 with free ports, cleaned up by PID."""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from node.app.cli.init import free_port

A_ORGAN, B_ORGAN = "000.00.00.H41", "000.00.00.G22"
LIENTHONG = [sys.executable, "-m", "node.app.cli.main"]


def cli(*args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [*LIENTHONG, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"lienthong {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def _edit(path: Path, pattern: str, new: str) -> None:
    text, n = re.subn(pattern, new, path.read_text(), count=1, flags=re.M)
    if n != 1:
        raise RuntimeError(f"{path}: no line matches {pattern!r}")
    path.write_text(text)


@dataclass
class Node:
    """One node's configuration and, while it runs, its process."""

    name: str
    organ: str
    config: Path
    dms_port: int
    peer_port: int
    dms_token: str
    admin_token: str
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    peak_rss_mb: float = 0.0
    peak_helpers_mb: float = 0.0

    @property
    def dms_url(self) -> str:
        return f"http://127.0.0.1:{self.dms_port}"

    @property
    def data_dir(self) -> Path:
        return self.config.parent / "data"

    def start(self, timeout: float = 60) -> None:
        self.log = self.config.parent / f"{self.name}.log"
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            profile = os.environ.get("LIENTHONG_BENCH_PROFILE")  # a folder: cProfile each node
            prefix = LIENTHONG
            if profile:
                out_file = Path(profile) / f"{self.name}-{os.getpid()}-{time.time_ns()}.prof"
                prefix = [sys.executable, "-m", "cProfile", "-o", str(out_file)]
                prefix += ["-m", "node.app.cli.main"]
            self.proc = subprocess.Popen(
                [*prefix, "serve", "--config", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_bytes()[offset:].decode(errors="replace")
            if "listening: dms" in text and "listening: peer" in text:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        tail = self.log.read_text(errors="replace")[-2000:]
        self.stop()
        raise RuntimeError(f"node {self.name} did not start: {tail}")

    def rss(self) -> tuple[float, float]:
        """(current, peak) resident memory in MB, from /proc."""
        if self.proc is None or self.proc.poll() is not None:
            return 0.0, self.peak_rss_mb
        values = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) / 1024
        self.peak_rss_mb = max(self.peak_rss_mb, values.get("VmHWM", 0.0))
        return values.get("VmRSS", 0.0), self.peak_rss_mb

    def family(self) -> list[int]:
        """The node's pid and its live descendants (the offload worker, the
        resource tracker): their CPU is the node's."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                parents.setdefault(ppid, []).append(int(entry))
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(parents.get(pid, ()))
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU of the node and its live descendants."""
        total = 0
        for pid in self.family():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def helpers_peak_rss(self) -> float:
        """Peak resident memory (VmHWM, MB) of the node's descendants, summed."""
        total = 0.0
        for pid in self.family()[1:]:
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            total += int(line.split()[1]) / 1024
            except OSError:
                continue
        self.peak_helpers_mb = max(self.peak_helpers_mb, total)
        return self.peak_helpers_mb

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.rss()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


@dataclass
class Pair:
    """Node A (H41) and node B (G22), each routing everything else to the other."""

    root: Path
    a: Node
    b: Node
    extra: list[Node] = field(default_factory=list)

    def stop(self) -> None:
        for node in (*self.extra, self.a, self.b):
            node.stop()

    def twin_of_a(self, name: str) -> Node:
        """A second process of node A (same config and store, own ports and spool)."""
        folder = self.root / name
        folder.mkdir()
        config = folder / "node.toml"
        shutil.copy(self.a.config, config)
        dms, peer = free_port(), free_port()
        _edit(config, r'^dms = "127\.0\.0\.1:\d+"', f'dms = "127.0.0.1:{dms}"')
        _edit(config, r'^peer = "127\.0\.0\.1:\d+"', f'peer = "127.0.0.1:{peer}"')
        twin = Node(name, self.a.organ, config, dms, peer, self.a.dms_token, self.a.admin_token)
        self.extra.append(twin)
        return twin


_pki: Path | None = None


def test_pki() -> Path:
    """One test PKI per benchmark run (RSA-2048 organisation keys, the default):
    writing it takes seconds, and every bench needs the same."""
    global _pki
    if _pki is None:
        folder = Path(tempfile.mkdtemp(prefix="lienthong-bench-pki-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        cli("pki", "init", str(folder / "pki"), "--organ", A_ORGAN, "--organ", B_ORGAN)
        _pki = folder / "pki"
    return _pki


def make_pair(
    root: Path,
    *,
    storage: tuple[str | None, str | None] = (None, None),
    retry_initial: str = "1s",
    max_interval: str = "5s",
    log_level: str = "warning",
    max_message_bytes: int | None = None,
) -> Pair:
    """Two node configurations on the run's test PKI; ``storage`` is each
    node's storage url (None: SQLite)."""
    pki = test_pki()
    ports = {name: (free_port(), free_port()) for name in ("a", "b")}
    nodes = {}
    for (name, organ, other, other_organ), url in zip(
        (("a", A_ORGAN, "b", B_ORGAN), ("b", B_ORGAN, "a", A_ORGAN)), storage, strict=True
    ):
        dms, peer = ports[name]
        out = cli(
            "init",
            str(root / name),
            "--organ",
            organ,
            "--pki",
            str(pki),
            "--json",
            "--listen-dms",
            f"127.0.0.1:{dms}",
            "--listen-peer",
            f"127.0.0.1:{peer}",
            "--peer",
            f"{other}=https://127.0.0.1:{ports[other][1]},{other_organ},"
            f"{pki / f'{other_organ}.tls.pem'}",
            "--default-peer",
            other,
        )
        result = json.loads(out)
        config = Path(result["config"])
        _edit(config, r'^initial = "[^"]+"', f'initial = "{retry_initial}"')
        _edit(config, r'^max_interval = "[^"]+"', f'max_interval = "{max_interval}"')
        _edit(config, r'^level = "[^"]+"', f'level = "{log_level}"')
        if url is not None:
            _edit(config, r"^# url = .*$", f'url = "{url}"')
        if max_message_bytes is not None:
            _edit(config, r"^max_message_bytes = \d+", f"max_message_bytes = {max_message_bytes}")
        nodes[name] = Node(
            name,
            organ,
            config,
            dms,
            peer,
            result["dms_tokens"][f"dms-{organ}"],
            result["admin_token"],
        )
    return Pair(root, nodes["a"], nodes["b"])
