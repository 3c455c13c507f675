"""What the demo sets up and what its steps share: the directory, the PKI, the
two nodes with their DMS and admin clients, and the facts steps hand on."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from node.app.demo.http import AdminClient, DmsClient
from node.app.demo.processes import NodeProcess, StepFailed, command, lienthong

H41 = "000.00.00.H41"
"""Node A: a provincial People's Committee (Ủy ban nhân dân tỉnh)."""
G22 = "000.00.00.G22"
"""Node B: the Office of the Government (Văn phòng Chính phủ)."""

T = TypeVar("T")

QUICK_RETRIES = {
    'initial = "10s"': 'initial = "1s"',
    'max_interval = "1h"': 'max_interval = "2s"',
}
WORKERS = '\n[workers]\npoll_interval = "200ms"   # the demo is impatient\n'


@dataclass
class DemoNode:
    name: str
    organ: str
    directory: Path
    dms_port: int
    peer_port: int
    process: NodeProcess | None = None
    dms: DmsClient | None = None
    admin: AdminClient | None = None

    @property
    def peer_name(self) -> str:
        """The name the other node's routing table gives this one."""
        return f"node-{self.name.lower()}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.dms_port}"

    @property
    def config(self) -> Path:
        return self.directory / "node.toml"

    def client(self) -> DmsClient:
        if self.dms is None:
            raise StepFailed(f"node {self.name} is not set up")
        return self.dms

    def operator(self) -> AdminClient:
        if self.admin is None:
            raise StepFailed(f"node {self.name} is not set up")
        return self.admin


@dataclass
class World:
    root: Path
    a: DemoNode
    b: DemoNode
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    def nodes(self) -> tuple[DemoNode, DemoNode]:
        return self.a, self.b

    def run(self, *args: str) -> str:
        """Run a ``lienthong`` command; its stdout, or StepFailed with its stderr."""
        result = lienthong(*args, cwd=self.root)
        if result.returncode != 0:
            raise StepFailed(
                f"`{command(args)}` exited {result.returncode}: {result.stderr.strip()[-400:]}"
            )
        return result.stdout

    def init_node(self, node: DemoNode, peer: DemoNode) -> None:
        """``lienthong init`` for ``node`` with ``peer`` as its default route."""
        out = self.run(
            "init",
            str(node.directory),
            "--organ",
            node.organ,
            "--pki",
            str(self.pki),
            "--json",
            "--listen-dms",
            f"127.0.0.1:{node.dms_port}",
            "--listen-peer",
            f"127.0.0.1:{node.peer_port}",
            "--peer",
            f"{peer.peer_name}=https://127.0.0.1:{peer.peer_port},{peer.organ},"
            f"{self.pki / f'{peer.organ}.tls.pem'}",
            "--default-peer",
            peer.peer_name,
        )
        answer = json.loads(out)
        text = node.config.read_text(encoding="utf-8")
        for old, new in QUICK_RETRIES.items():
            text = text.replace(old, new)
        node.config.write_text(text + WORKERS, encoding="utf-8")
        node.dms = DmsClient(
            f"DMS {node.name}", node.url, answer["dms_tokens"][f"dms-{node.organ}"]
        )
        node.admin = AdminClient(node.url, answer["admin_token"])
        node.process = NodeProcess(
            f"{node.name} ({node.organ})",
            node.config,
            node.directory / "serve.log",
            f"{node.url}/readyz",
        )

    def stop_all(self) -> None:
        for node in (self.b, self.a):
            if node.process is not None:
                node.process.stop()


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    """Poll ``probe`` (bounded) until it returns something; StepFailed after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise StepFailed(f"{what}: not seen within {timeout:g} s")
        time.sleep(0.1)
