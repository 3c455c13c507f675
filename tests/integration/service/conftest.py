"""A running node (real aiohttp listeners on 127.0.0.1, OS-assigned ports)
wired through node.app.bootstrap with the in-memory core of tests/support/fakes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from node.app.bootstrap import NodeService, running_node
from node.config import Config
from node.ports.driven import Clock, Transport
from tests.support.fakes import FakeAdmin, FakeCore, FakeExchange, FixedClock, RecordingTransport
from tests.support.nodes import AUDITOR, OPERATOR, TOKENS, TestNode, make_node


@dataclass
class Harness:
    service: NodeService
    core: FakeCore
    test: TestNode
    http: aiohttp.ClientSession
    transport: RecordingTransport

    @property
    def url(self) -> str:
        return self.service.dms_url

    @property
    def exchange(self) -> FakeExchange:
        assert self.core.exchange is not None
        return self.core.exchange

    @property
    def admin(self) -> FakeAdmin:
        assert self.core.admin is not None
        return self.core.admin

    @property
    def spool(self) -> Path:
        return self.test.config.spool_dir

    def spooled(self) -> list[Path]:
        return sorted(self.spool.iterdir()) if self.spool.exists() else []


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


UBND = auth(TOKENS["ubnd"])
STTTT = auth(TOKENS["stttt"])
OPS = auth(OPERATOR)
AUDIT = auth(AUDITOR)
XML = {"Content-Type": "application/xml"}


def recording(transport: RecordingTransport):  # type: ignore[no-untyped-def]
    @contextlib.asynccontextmanager
    async def factory(config: Config, environ: Mapping[str, str]) -> AsyncIterator[Transport]:
        del config, environ
        yield transport

    return factory


@contextlib.asynccontextmanager
async def harness(
    directory: Path, *, clock: Clock | None = None, **node_options: object
) -> AsyncIterator[Harness]:
    test = make_node(directory / "node", **node_options)  # type: ignore[arg-type]
    core = FakeCore(directory / "store")
    transport = RecordingTransport()
    async with (
        running_node(
            test.config,
            core_factory=core,
            transport_factory=recording(transport),
            clock=clock or FixedClock(),
            environ={},
        ) as service,
        aiohttp.ClientSession() as http,
    ):
        yield Harness(service, core, test, http, transport)


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as h:
        yield h
