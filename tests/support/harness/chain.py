"""Three nodes as a real deployment connects them: two provinces (H41, H22)
reach the national node (G22) over VDXP, as every province reaches the
national axis, and G22 knows each province as a connected system of its
``/vdxp`` API.

    DMS H41 → node H41 ──sendEdoc──▶ node G22 ◀──getReceivedEdocList── node H22 → DMS H22
                       ◀──getReceivedEdocList──    ──sendEdoc (statuses)──

Why H22 polls G22 (and G22 does not push to H22 over the peer API): the
national axis is a VDXP hub that pushes to nobody; every connected system,
a province's lienthong node included, sends with ``sendEdoc`` and fetches
with ``getReceivedEdocList``/``getEdoc``/``updateStatus``. G22 stands in for
that axis, so both provinces use the one link a province has in production,
and both halves of the upstream (sending and polling) are exercised at both
ends, for documents and for statuses.

At G22 each province is a ``[[dms]]`` with ``exchange_node = true``: its
organs are G22's local organs with ``signing = "dms"`` (G22 verifies the
province's organisation signature), and G22 emits no 01 for them (the
province's node answers 01 itself when it takes the document in)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.harness.nodes import (
    NodeSetup,
    edit,
    free_port,
    init_node,
    lienthong,
    setup_of,
)
from tests.support.harness.process import NodeProcess

H41, G22, H22 = "000.00.00.H41", "000.00.00.G22", "000.00.00.H22"
SYSTEMS = {H41: "vxp.h41.01", H22: "vxp.h22.01"}
SECRET_ENV = {H41: "CHAIN_AXIS_SECRET_H41", H22: "CHAIN_AXIS_SECRET_H22"}
UPSTREAM = "national"


@dataclass
class ChainNode:
    setup: NodeSetup
    env: dict[str, str]

    @property
    def name(self) -> str:
        return self.setup.name

    def process(self, log_dir: Path) -> NodeProcess:
        s = self.setup
        return NodeProcess(s.name, s.config, s.dms_url, s.peer_port, log_dir, env=self.env)


@dataclass
class Chain:
    h41: ChainNode
    g22: ChainNode
    h22: ChainNode

    @property
    def nodes(self) -> tuple[ChainNode, ChainNode, ChainNode]:
        return (self.h41, self.g22, self.h22)

    def processes(self, log_dir: Path) -> tuple[NodeProcess, NodeProcess, NodeProcess]:
        log_dir.mkdir(parents=True, exist_ok=True)
        h41, g22, h22 = (n.process(log_dir) for n in self.nodes)
        return h41, g22, h22


def _init(root: Path, pki: Path, name: str, organ: str) -> NodeSetup:
    dms_port, peer_port = free_port(), free_port()
    result, config = init_node(root / name, organ, pki, dms_port, peer_port)
    return setup_of(name, organ, root / name, config, result, dms_port, peer_port)


def connected_system(organ: str, *, organs: tuple[str, ...] = ()) -> str:
    """G22's view of a province: its organs (signed by the province) and the
    VDXP system it connects as."""
    served = (organ, *organs)
    text = "".join(f'\n[[organs]]\nid = "{o}"\nsigning = "dms"\n' for o in served)
    token = hashlib.sha256(secrets.token_bytes(16)).hexdigest()  # never used: VDXP only
    listed = ", ".join(f'"{o}"' for o in served)
    return text + (
        f'\n[[dms]]\nid = "vxp-{organ.rsplit(".", 1)[1].lower()}"\norgans = [{listed}]\n'
        f'token_sha256 = "{token}"\ndelivery = "pull"\n'
        f'vdxp_secret_env = "{SECRET_ENV[organ]}"\nvdxp_system_id = "{SYSTEMS[organ]}"\n'
        "exchange_node = true\n"
    )


def upstream(organ: str, g22_url: str) -> str:
    return (
        f'\n[[upstreams]]\nname = "{UPSTREAM}"\nurl = "{g22_url}/vdxp"\norgan_id = "{G22}"\n'
        f'system_id = "{SYSTEMS[organ]}"\nsecret_env = "{SECRET_ENV[organ]}"\n'
        'poll_interval = "200ms"\nmax_poll_interval = "2s"\norgans = ["*"]\n'
    )


def make_chain(root: Path, *, g22_extra_organs: dict[str, tuple[str, ...]] | None = None) -> Chain:
    """Three node directories under ``root`` sharing one test PKI.
    ``g22_extra_organs``: organs G22 believes a province serves besides its own
    (a misconfiguration, for the loop test)."""
    extra = g22_extra_organs or {}
    pki = root / "pki"
    lienthong(
        "pki", "init", str(pki), "--organ", H41, "--organ", G22, "--organ", H22, "--key-type", "ec"
    )
    h41 = _init(root, pki, "h41", H41)
    g22 = _init(root, pki, "g22", G22)
    h22 = _init(root, pki, "h22", H22)
    env = {name: secrets.token_urlsafe(24) for name in SECRET_ENV.values()}
    with g22.config.open("a") as f:
        for organ in (H41, H22):
            f.write(connected_system(organ, organs=extra.get(organ, ())))
    for setup in (h41, h22):
        edit(setup.config, '# default_peer = "upper-axis"', f'default_peer = "{UPSTREAM}"')
        with setup.config.open("a") as f:
            f.write(upstream(setup.organ, g22.dms_url))
    return Chain(
        ChainNode(h41, {SECRET_ENV[H41]: env[SECRET_ENV[H41]]}),
        ChainNode(g22, dict(env)),
        ChainNode(h22, {SECRET_ENV[H22]: env[SECRET_ENV[H22]]}),
    )


class Admin:
    """The admin API of one node (operator token)."""

    def __init__(self, http: aiohttp.ClientSession, setup: NodeSetup) -> None:
        self.http = http
        self.url = setup.dms_url + "/admin/v1"
        self.headers = {"Authorization": f"Bearer {setup.admin_token}"}

    async def get(self, path: str, **params: str) -> Any:
        async with self.http.get(
            self.url + path, params=params, headers=self.headers, timeout=aiohttp.ClientTimeout(30)
        ) as resp:
            assert resp.status == 200, f"{path}: {resp.status} {await resp.text()}"
            return await resp.json()

    async def messages(self, limit: int = 500) -> list[dict[str, Any]]:
        """Every message the node holds (bounded: 20 pages)."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(20):
            params = {"limit": str(min(limit, 200))}
            if cursor:
                params["cursor"] = cursor
            page = await self.get("/messages", **params)
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
        return items

    async def trace(self, message_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(f"/messages/{message_id}/trace")
        return result
