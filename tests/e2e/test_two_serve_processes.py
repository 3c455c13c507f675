"""Two real `lienthong serve` processes over mutual TLS, set up with the CLI as
an operator would (`pki init`, `init`, `serve`, `send`, `admin`): a document
from DMS A reaches DMS B's inbox signed, B's automatic 01 and DMS B's 03 reach
DMS A, a client certificate from another CA is refused by B's peer listener,
and SIGTERM stops both with exit code 0."""

from __future__ import annotations

import asyncio
import json
import signal
import ssl
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.app.cli.init import free_port
from tests.support.messages import document, status
from tests.support.pki import TlsCa

pytestmark = pytest.mark.slow

H41, G22 = "000.00.00.H41", "000.00.00.G22"
LIENTHONG = [sys.executable, "-m", "node.app.cli.main"]


async def lienthong(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *LIENTHONG, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 120)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@dataclass
class Node:
    name: str
    organ: str
    config: Path
    dms_url: str
    peer_port: int
    dms_token: str
    admin_token: str
    process: asyncio.subprocess.Process | None = None

    def dms(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.dms_token}"}


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new))


async def _init(tmp: Path, pki: Path, me: tuple[str, str], peer: tuple[str, str, int]) -> Node:
    name, organ = me
    peer_name, peer_organ, peer_port = peer
    dms_port, my_peer_port = free_port(), free_port()
    code, out, err = await lienthong(
        "init",
        str(tmp / name),
        "--organ",
        organ,
        "--pki",
        str(pki),
        "--json",
        "--listen-dms",
        f"127.0.0.1:{dms_port}",
        "--listen-peer",
        f"127.0.0.1:{my_peer_port}",
        "--peer",
        f"{peer_name}=https://127.0.0.1:{peer_port},{peer_organ},{pki / f'{peer_organ}.tls.pem'}",
        "--default-peer",
        peer_name,
    )
    assert code == 0, err
    result = json.loads(out)
    config = Path(result["config"])
    _edit(config, 'initial = "10s"', 'initial = "1s"')  # quick retries for the test
    return Node(
        name,
        organ,
        config,
        f"http://127.0.0.1:{dms_port}",
        my_peer_port,
        result["dms_tokens"][f"dms-{organ}"],
        result["admin_token"],
    )


async def _serve(node: Node) -> None:
    node.process = await asyncio.create_subprocess_exec(
        *LIENTHONG,
        "serve",
        "--config",
        str(node.config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert node.process.stdout is not None
    seen: set[str] = set()
    while seen != {"dms", "peer"}:
        line = await asyncio.wait_for(node.process.stdout.readline(), 60)
        assert line, f"{node.name} exited: {await node.process.stderr.read()!r}"  # type: ignore[union-attr]
        if line.startswith(b"listening: "):
            seen.add(line.split()[1].decode())


@pytest.fixture
async def nodes(tmp_path: Path) -> AsyncIterator[tuple[Node, Node]]:
    pki = tmp_path / "pki"
    code, _, err = await lienthong(
        "pki", "init", str(pki), "--organ", H41, "--organ", G22, "--key-type", "ec"
    )
    assert code == 0, err
    b_peer = free_port()
    a = await _init(tmp_path, pki, ("a", H41), ("g22", G22, b_peer))
    b = await _init(tmp_path, pki, ("b", G22), ("h41", H41, a.peer_port))
    _edit(b.config, f"127.0.0.1:{b.peer_port}", f"127.0.0.1:{b_peer}")
    b.peer_port = b_peer
    try:
        await _serve(a)
        await _serve(b)
        yield a, b
    finally:
        for node in (a, b):
            if node.process is not None and node.process.returncode is None:
                node.process.kill()
                await node.process.wait()


async def _inbox(http: aiohttp.ClientSession, node: Node, want: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for _ in range(400):  # bounded: deliveries are made by the workers
        async with http.get(f"{node.dms_url}/api/v1/inbox", headers=node.dms()) as resp:
            assert resp.status == 200, await resp.text()
            items = (await resp.json())["items"]
        if len(items) >= want:
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"{node.name}: {len(items)} inbox items, expected {want}")


async def _ack(http: aiohttp.ClientSession, node: Node, message_id: str) -> bytes:
    async with http.get(f"{node.dms_url}/api/v1/messages/{message_id}", headers=node.dms()) as resp:
        assert resp.status == 200
        data = await resp.read()
    async with http.post(
        f"{node.dms_url}/api/v1/messages/{message_id}/ack", headers=node.dms()
    ) as resp:
        assert resp.status == 204
    return data


async def test_document_and_statuses_between_two_serve_processes(
    nodes: tuple[Node, Node], tmp_path: Path
) -> None:
    a, b = nodes
    data, document_id = document(H41, (G22,))
    (tmp_path / "doc.edxml").write_bytes(data)
    code, out, err = await lienthong(
        "send", "--node", a.dms_url, f"--token={a.dms_token}", str(tmp_path / "doc.edxml")
    )
    assert code == 0, err
    sent = json.loads(out)
    async with aiohttp.ClientSession() as http:
        (item,) = await _inbox(http, b, 1)
        assert (item["kind"], item["from"], item["document_id"]) == ("document", H41, document_id)
        assert b"Signature" in await _ack(http, b, item["id"])
        arrived = await _inbox(http, a, 1)
        assert [i["status_code"] for i in arrived] == ["01"]
        await _ack(http, a, arrived[0]["id"])

        accepted = status(G22, document_id, "03", datetime.now(UTC))
        (tmp_path / "03.edxml").write_bytes(accepted)
        code, _, err = await lienthong(
            "send", "--node", b.dms_url, f"--token={b.dms_token}", str(tmp_path / "03.edxml")
        )
        assert code == 0, err
        (reply,) = await _inbox(http, a, 1)
        assert reply["status_code"] == "03"

    code, out, err = await lienthong(
        "admin", "--node", a.dms_url, f"--token={a.admin_token}", "--json", "trace", sent["id"]
    )
    assert code == 0, err
    trace = json.loads(out)
    assert [d["state"] for d in trace["deliveries"]] == ["delivered"]
    assert {s["code"] for s in trace["statuses"]} >= {"01", "03"}

    for node in (a, b):
        assert node.process is not None
        node.process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(node.process.wait(), 30) == 0


async def test_client_certificate_of_another_ca_is_refused(
    nodes: tuple[Node, Node], tmp_path: Path
) -> None:
    _, b = nodes
    stranger = TlsCa(tmp_path / "stranger").issue("g22")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the client does not care who B is here
    context.load_cert_chain(stranger.cert, stranger.key)
    data, _ = document(H41, (G22,))
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientError):
            async with http.post(
                f"https://127.0.0.1:{b.peer_port}/peer/v1/messages", data=data, ssl=context
            ) as resp:
                await resp.read()
