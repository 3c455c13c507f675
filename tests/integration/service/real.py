"""A real node in process: `lienthong init` material (test PKI), the real
store (SQLite, or PostgreSQL when ``storage_url`` is given), engine, signing
and transport, behind the real listeners on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from node.app.bootstrap import NodeService, running_node
from node.app.cli.init import InitResult, init_node
from node.config import load_config

H41, S41 = "000.00.00.H41", "000.00.12.H41"


@dataclass
class RealNode:
    service: NodeService
    init: InitResult
    http: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return self.service.dms_url

    def dms(self, organ: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.init.dms_tokens[f'dms-{organ}']}"}

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.init.admin_token}"}


@contextlib.asynccontextmanager
async def real_node(
    directory: Path,
    *,
    storage_url: str | None = None,
    max_bytes: int | None = None,
    edit: Callable[[str], str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[RealNode]:
    init = await asyncio.to_thread(
        init_node, directory, [H41, S41], dms_listen="127.0.0.1:0", peer_listen="127.0.0.1:0"
    )
    text = init.config_path.read_text()
    if storage_url is not None:
        text = text.replace("[storage]\n", f'[storage]\nurl = "{storage_url}"\n')
    if max_bytes is not None:
        text = text.replace("max_message_bytes = 268435456", f"max_message_bytes = {max_bytes}")
    text = text.replace('[retry]\ninitial = "10s"', '[retry]\ninitial = "1s"')
    init.config_path.write_text(edit(text) if edit else text)
    config = load_config(init.config_path)
    async with (
        running_node(config, environ=environ or {}) as service,
        aiohttp.ClientSession() as http,
    ):
        yield RealNode(service, init, http)


async def wait_for_inbox(node: RealNode, organ: str, count: int) -> list[dict[str, object]]:
    """The organ's inbox once it holds ``count`` items (bounded wait for workers)."""
    items: list[dict[str, object]] = []
    for _ in range(300):
        async with node.http.get(f"{node.url}/api/v1/inbox", headers=node.dms(organ)) as resp:
            assert resp.status == 200, await resp.text()
            items = (await resp.json())["items"]
        if len(items) >= count:
            return items
        await asyncio.sleep(0.05)
    raise AssertionError(f"inbox of {organ} holds {len(items)} items, expected {count}")
