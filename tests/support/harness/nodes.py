"""Two nodes set up as an operator would (`lienthong pki init`, `lienthong
init`): node A serves organ H41 and DMS A, node B serves G22 and DMS B, each
the other's default peer, over mutual TLS on 127.0.0.1."""

from __future__ import annotations

import json
import random
import re
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.harness.process import LIENTHONG, NodeProcess

H41, G22 = "000.00.00.H41", "000.00.00.G22"

# Tight timings so that a killed node's work is retried within seconds: short
# backoff, short lease (a delivery claimed by a killed process returns to the
# queue after it), quick polling.
FAST = """
[workers]
concurrency = 4
claim_batch = 8
poll_interval = "100ms"
lease = "3s"
stop_grace = "2s"
"""
FAST_RETRY = {
    'initial = "10s"': 'initial = "200ms"',
    'max_interval = "1h"': 'max_interval = "2s"',
}


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_handed_out: set[int] = set()


def free_port() -> int:
    """A free port on 127.0.0.1 *below* the ephemeral range. A port the OS hands
    out for bind(0) can be taken, between now and the node's (re)start, as the
    local port of any outgoing connection (a PostgreSQL pool, an HTTP client);
    ports below the range are never used that way."""
    rng = random.SystemRandom()
    high = min(_ephemeral_low(), 65536) - 1
    for _ in range(500):  # bounded
        port = rng.randint(20000, high)
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


@dataclass
class NodeSetup:
    name: str
    organ: str
    directory: Path
    config: Path
    dms_url: str
    peer_port: int | None
    dms_token: str
    admin_token: str

    def process(self, log_dir: Path) -> NodeProcess:
        return NodeProcess(self.name, self.config, self.dms_url, self.peer_port, log_dir)


def lienthong(*args: str) -> str:
    done = subprocess.run(
        [*LIENTHONG, *args], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"lienthong {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if old not in text:
        raise AssertionError(f"{old!r} not in {path}")
    path.write_text(text.replace(old, new))


def init_node(
    directory: Path, organ: str, pki: Path, dms_port: int, peer_port: int, *extra: str
) -> tuple[dict[str, Any], Path]:
    """``lienthong init`` of one node on loopback ports, with the fast retry
    schedule the tests run on: (init's JSON answer, the config's path)."""
    out = lienthong(
        "init",
        str(directory),
        "--organ",
        organ,
        "--pki",
        str(pki),
        "--json",
        "--listen-dms",
        f"127.0.0.1:{dms_port}",
        "--listen-peer",
        f"127.0.0.1:{peer_port}",
        *extra,
    )
    result = json.loads(out)
    config = Path(result["config"])
    for old, new in FAST_RETRY.items():
        edit(config, old, new)
    return result, config


def make_pair(
    root: Path,
    *,
    storage: tuple[str | None, str | None] = (None, None),
    max_message_bytes: int | None = None,
    data_dirs: tuple[Path | None, Path | None] = (None, None),
) -> tuple[NodeSetup, NodeSetup]:
    """Two node directories under ``root``; ``storage``: a storage URL per node
    (None: SQLite in its data dir); ``data_dirs``: where each keeps its data."""
    pki = root / "pki"
    lienthong("pki", "init", str(pki), "--organ", H41, "--organ", G22, "--key-type", "ec")
    ports = {name: (free_port(), free_port()) for name in ("a", "b")}
    setups = []
    for index, (name, organ, peer_name, peer_organ, other) in enumerate(
        (("a", H41, "g22", G22, "b"), ("b", G22, "h41", H41, "a"))
    ):
        dms_port, peer_port = ports[name]
        result, config = init_node(
            root / name,
            organ,
            pki,
            dms_port,
            peer_port,
            "--peer",
            f"{peer_name}=https://127.0.0.1:{ports[other][1]},{peer_organ},"
            f"{pki / f'{peer_organ}.tls.pem'}",
            "--default-peer",
            peer_name,
        )
        url = storage[index]
        if url is not None:
            edit(config, "[storage]\n", f'[storage]\nurl = "{url}"\n')
        if data_dirs[index] is not None:
            edit(config, 'data_dir = "data"', f'data_dir = "{data_dirs[index]}"')
        if max_message_bytes is not None:
            text = config.read_text()
            config.write_text(
                re.sub(r"max_message_bytes = \d+", f"max_message_bytes = {max_message_bytes}", text)
            )
        setups.append(setup_of(name, organ, root / name, config, result, dms_port, peer_port))
    return setups[0], setups[1]


def setup_of(
    name: str,
    organ: str,
    directory: Path,
    config: Path,
    result: dict[str, Any],
    dms_port: int,
    peer_port: int,
) -> NodeSetup:
    """The node ``init_node`` made, its configuration finished with the fast
    timings the tests run on."""
    config.write_text(config.read_text() + FAST)
    return NodeSetup(
        name,
        organ,
        directory,
        config,
        f"http://127.0.0.1:{dms_port}",
        peer_port,
        result["dms_tokens"][f"dms-{organ}"],
        result["admin_token"],
    )


def twin(setup: NodeSetup, name: str) -> NodeSetup:
    """A second process for the same node (same organ, keys, storage URL) on
    ports of its own: for several processes sharing one PostgreSQL database."""
    text = setup.config.read_text()
    dms_port = free_port()
    text = re.sub(r'dms = "127\.0\.0\.1:\d+"', f'dms = "127.0.0.1:{dms_port}"', text)
    text = re.sub(r'peer = "127\.0\.0\.1:\d+"', 'peer = "127.0.0.1:0"', text)
    text = text.replace('data_dir = "data"', f'data_dir = "data-{name}"')
    config = setup.config.with_name(f"{name}.toml")
    config.write_text(text)
    return NodeSetup(
        name,
        setup.organ,
        setup.directory,
        config,
        f"http://127.0.0.1:{dms_port}",
        None,
        setup.dms_token,
        setup.admin_token,
    )
