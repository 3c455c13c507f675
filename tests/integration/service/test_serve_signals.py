"""`lienthong serve`'s loop: prints its URLs, and SIGTERM (or SIGINT) stops it
gracefully with exit code 0."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from node.app.cli.init import free_port
from node.app.cli.serve import serve
from node.config import load_config
from tests.integration.service.conftest import recording
from tests.support.fakes import FakeCore, RecordingTransport
from tests.support.node_config import make_node


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_signal_stops_serve_with_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signum: int
) -> None:
    test = make_node(tmp_path / "n")
    port = free_port()
    path = test.config.source
    path.write_text(path.read_text().replace('dms = "127.0.0.1:0"', f'dms = "127.0.0.1:{port}"'))
    core = FakeCore(tmp_path / "store")
    task = asyncio.create_task(
        serve(
            load_config(path),
            core_factory=core,
            transport_factory=recording(RecordingTransport()),
            environ={},
        )
    )
    async with aiohttp.ClientSession() as http:
        for _ in range(200):  # bounded: wait for the listener to come up
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)
        else:
            raise AssertionError("serve never answered /healthz")
    os.kill(os.getpid(), signum)
    assert await asyncio.wait_for(task, 10) == 0
    assert core.closed
    out = capsys.readouterr().out
    assert f"listening: dms http://127.0.0.1:{port}" in out
    assert out.rstrip().endswith("stopped")
