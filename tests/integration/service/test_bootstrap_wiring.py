"""The composition root wires config to adapters: drop-folder watchers submit
through the core, missing secrets and busy ports stop the start cleanly."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from adapters.dms.dropfolder import DropFolderWatcher
from node.app.bootstrap import NodeService
from node.config import load_config
from node.errors import ConfigError
from tests.support.fakes import FakeCore
from tests.support.node_config import node_toml


def _write(tmp_path: Path, extra_dms: str = "", listen: str = "127.0.0.1:0") -> Path:
    (tmp_path / "trust").mkdir(exist_ok=True)
    text = node_toml().replace('dms = "127.0.0.1:0"', f'dms = "{listen}"')
    text = text.replace('id = "stttt"\n', f'id = "stttt"\n{extra_dms}')
    path = tmp_path / "node.toml"
    path.write_text(text)
    return path


async def test_drop_folder_files_are_submitted_for_their_dms(
    tmp_path: Path, sample_status: bytes
) -> None:
    root = tmp_path / "exchange"
    root.mkdir()
    path = _write(tmp_path, f'delivery = "drop-folder"\ndrop_folder = "{root}"\n')
    core = FakeCore(tmp_path / "store")
    service = NodeService(load_config(path), core_factory=core, environ={})
    await service.start()
    try:
        (watcher,) = service.background
        assert isinstance(watcher, DropFolderWatcher)
        (root / "outgoing" / "s.edxml.tmp").write_bytes(sample_status)
        (root / "outgoing" / "s.edxml.tmp").rename(root / "outgoing" / "s.edxml")
        await watcher.poll_once()
        receipt = json.loads((root / "processed" / "s.receipt.json").read_text())
        assert core.exchange is not None
        assert receipt["id"] in core.exchange.messages
        assert core.exchange.messages[receipt["id"]].sender == "000.00.12.H41"
    finally:
        await service.stop()


async def test_missing_webhook_secret_stops_the_start_naming_the_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'delivery = "webhook"\nwebhook_url = "http://127.0.0.1:9/hook"\n'
        'webhook_secret_env = "LT_TEST_HOOK"\n',
    )
    core = FakeCore(tmp_path / "store")
    service = NodeService(load_config(path), core_factory=core, environ={})
    with pytest.raises(ConfigError, match=r"dms\[1\]\.webhook_secret_env: .*LT_TEST_HOOK"):
        await service.start()
    assert service.urls == {}
    assert core.deps is None


async def test_busy_port_is_a_config_error_and_nothing_stays_open(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        path = _write(tmp_path, listen=f"127.0.0.1:{port}")
        core = FakeCore(tmp_path / "store")
        service = NodeService(load_config(path), core_factory=core, environ={})
        with pytest.raises(ConfigError, match=f"listen.dms: cannot listen on 127.0.0.1:{port}"):
            await service.start()
    assert core.closed
