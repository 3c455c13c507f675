"""Delivery into a DMS drop folder: the message appears complete or not at all,
its receipt after it; a repeat is a duplicate; I/O trouble is transient."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.transport import DropFolderEndpoint, NodeTransport
from adapters.transport import dropfolder as dropfolder_module
from node.ports.driven import Destination, DestinationKind, Outcome
from tests.helpers.bodies import BytesBody

from .conftest import meta

DMS = Destination(DestinationKind.DROP_FOLDER, "dms-g22")
AT = datetime(2026, 11, 20, 3, 1, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return AT


def transport(root: Path) -> NodeTransport:
    return NodeTransport(
        tls=None, drop_folders=[DropFolderEndpoint("dms-g22", root)], clock=FixedClock()
    )


class WatchedBody(BytesBody):
    """Looks into the incoming folder between chunks, as a DMS polling it would."""

    def __init__(self, data: bytes, incoming: Path) -> None:
        super().__init__(data)
        self.incoming = incoming
        self.visible: list[set[str]] = []

    async def chunks(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        async for chunk in super().chunks(chunk_size):
            self.visible.append({p.name for p in self.incoming.iterdir()})
            yield chunk


async def test_message_then_receipt(tmp_path: Path, sample_document: bytes) -> None:
    async with transport(tmp_path) as t:
        got = await t.send(DMS, meta("d-1"), BytesBody(sample_document))

    assert got.outcome is Outcome.DELIVERED
    incoming = tmp_path / "incoming"
    assert sorted(p.name for p in incoming.iterdir()) == ["d-1.edxml", "d-1.receipt.json"]
    assert (incoming / "d-1.edxml").read_bytes() == sample_document
    receipt = json.loads((incoming / "d-1.receipt.json").read_text())
    assert receipt == {
        "id": "d-1",
        "kind": "document",
        "document_id": "000.00.00.H41,2026/11/20,1234/UBND-KGVX",
        "sender": "000.00.00.H41",
        "recipients": ["000.00.00.G22"],
        "sha256": hashlib.sha256(sample_document).hexdigest(),
        "size": len(sample_document),
        "file": "d-1.edxml",
        "delivered_at": AT.isoformat(),
    }


async def test_no_partial_message_is_ever_visible(tmp_path: Path) -> None:
    (tmp_path / "incoming").mkdir()
    data = b"<edXML>" + b"y" * (4 << 20) + b"</edXML>"
    body = WatchedBody(data, tmp_path / "incoming")
    async with transport(tmp_path) as t:
        got = await t.send(DMS, meta("d-2"), body)

    assert got.outcome is Outcome.DELIVERED
    assert len(body.visible) >= 4
    for names in body.visible:  # while streaming: only the hidden temp file
        assert all(n.startswith(".") and n.endswith(".tmp") for n in names)
    assert (tmp_path / "incoming" / "d-2.edxml").read_bytes() == data


async def test_receipt_is_written_after_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = dropfolder_module.write_json

    def spy(target: Path, data: dict[str, object]) -> None:
        seen.append((target.parent / "d-3.edxml").is_file())
        real(target, data)

    monkeypatch.setattr(dropfolder_module, "write_json", spy)
    async with transport(tmp_path) as t:
        await t.send(DMS, meta("d-3"), BytesBody(b"<x/>"))
    assert seen == [True]


async def test_repeat_is_a_duplicate_and_restores_a_lost_receipt(
    tmp_path: Path, sample_status: bytes
) -> None:
    body = BytesBody(sample_status)
    async with transport(tmp_path) as t:
        assert (await t.send(DMS, meta("d-4"), body)).outcome is Outcome.DELIVERED
        (tmp_path / "incoming" / "d-4.receipt.json").unlink()  # crash before the receipt
        again = await t.send(DMS, meta("d-4"), body)

    assert again.outcome is Outcome.DUPLICATE
    receipt = json.loads((tmp_path / "incoming" / "d-4.receipt.json").read_text())
    assert receipt["sender"] == "000.00.12.H41"


async def test_different_file_under_same_name_is_permanent(tmp_path: Path) -> None:
    (tmp_path / "incoming").mkdir()
    (tmp_path / "incoming" / "d-5.edxml").write_bytes(b"<something-else/>")
    async with transport(tmp_path) as t:
        got = await t.send(DMS, meta("d-5"), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.PERMANENT
    assert "already exists with different content" in got.detail
    assert (tmp_path / "incoming" / "d-5.edxml").read_bytes() == b"<something-else/>"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "disk full"),
        (errno.EDQUOT, "disk quota exceeded"),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "read-only file system"),
    ],
)
async def test_io_errors_are_transient_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, reason: str
) -> None:
    def failing(path: Path) -> object:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(dropfolder_module, "open_exclusive", failing)
    async with transport(tmp_path) as t:
        got = await t.send(DMS, meta("d-6"), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.TRANSIENT
    assert got.detail.startswith(f"drop folder of dms-g22: {reason} (")
    assert list((tmp_path / "incoming").iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
async def test_permission_denied_is_transient(tmp_path: Path) -> None:
    (tmp_path / "incoming").mkdir(mode=0o500)
    try:
        async with transport(tmp_path) as t:
            got = await t.send(DMS, meta("d-7"), BytesBody(b"<x/>"))
    finally:
        (tmp_path / "incoming").chmod(0o700)
    assert got.outcome is Outcome.TRANSIENT
    assert "permission denied" in got.detail


async def test_missing_root_is_transient(tmp_path: Path) -> None:
    async with transport(tmp_path / "not-mounted") as t:
        got = await t.send(DMS, meta("d-8"), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.TRANSIENT
    assert "not-mounted" in got.detail
    assert not (tmp_path / "not-mounted").exists()


async def test_corrupted_body_leaves_nothing(tmp_path: Path) -> None:
    async with transport(tmp_path) as t:
        got = await t.send(DMS, meta("d-9"), BytesBody(b"<x/>", sha256="1" * 64))

    assert got.outcome is Outcome.PERMANENT
    assert list((tmp_path / "incoming").iterdir()) == []


async def test_unsafe_message_id_is_permanent(tmp_path: Path) -> None:
    async with transport(tmp_path) as t:
        got = await t.send(DMS, meta("../escape"), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.PERMANENT
    assert not (tmp_path / "escape.edxml").exists()


async def test_disk_full_midway_removes_the_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = dropfolder_module.open_exclusive

    class FillsUp:
        def __init__(self, path: Path) -> None:
            self.handle = real_open(path)
            self.written = 0

        def write(self, chunk: bytes) -> int:
            if self.written:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.written += len(chunk)
            return self.handle.write(chunk)

        def __getattr__(self, name: str) -> object:
            return getattr(self.handle, name)

    monkeypatch.setattr(dropfolder_module, "open_exclusive", FillsUp)
    async with transport(tmp_path) as t:
        got = await t.send(DMS, meta("d-10"), BytesBody(b"z" * (3 << 20)))

    assert got.outcome is Outcome.TRANSIENT
    assert "disk full" in got.detail
    assert list((tmp_path / "incoming").iterdir()) == []
