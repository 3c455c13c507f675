"""The drop-folder watcher: complete files are submitted once, moved to
processed/ or rejected/ with a receipt or an error, and a crash never loses a
file nor stores it twice."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.dms.dropfolder import DropFolderWatcher, idempotency_key
from adapters.transport import DropFolderEndpoint
from node.errors import Issue, StoreUnavailable, ValidationFailed
from node.model import MessageKind
from node.ports.api import DmsPrincipal
from tests.helpers.fake_exchange import FakeExchange, spool_files

PRINCIPAL = DmsPrincipal("dms-h41", frozenset({"000.00.00.H41"}))
AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return AT


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "dms"
    path.mkdir()
    DropFolderEndpoint("dms-h41", path).ensure()
    return path


def watcher(api: FakeExchange, root: Path, **kwargs: object) -> DropFolderWatcher:
    return DropFolderWatcher(
        api,
        DropFolderEndpoint("dms-h41", root),
        PRINCIPAL,
        spool_dir=root.parent / "spool",
        clock=FixedClock(),
        **kwargs,  # type: ignore[arg-type]
    )


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def test_complete_files_are_submitted_with_receipts(
    root: Path, sample_document: bytes, sample_status: bytes
) -> None:
    (root / "outgoing" / "a.edxml").write_bytes(sample_document)
    (root / "outgoing" / "b.edxml").write_bytes(sample_status)
    api = FakeExchange()

    report = await watcher(api, root).poll_once()

    assert (report.submitted, report.rejected, report.claimed) == (2, 0, 2)
    assert [(c.content, c.kind) for c in sorted(api.calls, key=lambda c: c.kind)] == [
        (sample_document, MessageKind.DOCUMENT),
        (sample_status, MessageKind.STATUS),
    ]
    doc_sha = hashlib.sha256(sample_document).hexdigest()
    assert {c.idempotency_key for c in api.calls} >= {idempotency_key(doc_sha)}
    assert all(c.principal == PRINCIPAL for c in api.calls)
    assert names(root / "outgoing") == names(root / "processing") == []
    assert names(root / "processed") == [
        "a.edxml",
        "a.receipt.json",
        "b.edxml",
        "b.receipt.json",
    ]
    receipt = json.loads((root / "processed" / "a.receipt.json").read_text())
    assert receipt == {
        "file": "a.edxml",
        "sha256": doc_sha,
        "size": len(sample_document),
        "kind": "document",
        "id": receipt["id"],
        "document_id": "doc-1",
        "state": "accepted",
        "duplicate": False,
        "submitted_at": AT.isoformat(),
    }
    assert spool_files(root.parent / "spool") == []


async def test_unfinished_and_hidden_files_are_left_alone(root: Path) -> None:
    for name in ("c.tmp", ".d.edxml", "e.edxml.part", "notes.txt"):
        (root / "outgoing" / name).write_bytes(b"<half")
    api = FakeExchange()

    report = await watcher(api, root).poll_once()

    assert report.claimed == 0
    assert api.calls == []
    assert names(root / "outgoing") == [".d.edxml", "c.tmp", "e.edxml.part", "notes.txt"]


async def test_symbolic_links_are_not_followed(root: Path, sample_document: bytes) -> None:
    secret = root.parent / "not-for-the-dms.edxml"
    secret.write_bytes(sample_document)
    (root / "outgoing" / "link.edxml").symlink_to(secret)
    api = FakeExchange()

    report = await watcher(api, root).poll_once()

    assert (report.claimed, api.calls) == (0, [])
    assert (root / "outgoing" / "link.edxml").is_symlink()


async def test_refused_file_goes_to_rejected_with_the_problem(
    root: Path, sample_document: bytes
) -> None:
    (root / "outgoing" / "bad.edxml").write_bytes(sample_document)
    issue = Issue(12, "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Code", "missing")
    api = FakeExchange(fail_with=ValidationFailed([issue]))

    report = await watcher(api, root).poll_once()

    assert report.rejected == 1
    assert names(root / "rejected") == ["bad.edxml", "bad.error.json"]
    error = json.loads((root / "rejected" / "bad.error.json").read_text())
    assert error["type"] == "https://lienthong.dev/problems/validation-failed"
    assert error["kind"] == "validation-failed"
    assert error["status"] == 400
    assert error["errors"] == [issue.as_dict()]
    assert error["file"] == "bad.edxml"
    assert (root / "rejected" / "bad.edxml").read_bytes() == sample_document


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"this is not xml", "malformed-xml"),
        (b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "unsafe-xml"),
        (b"<edXML><something/></edXML>", "malformed-xml"),
    ],
)
async def test_unreadable_file_rejected_without_submitting(
    root: Path, content: bytes, kind: str
) -> None:
    (root / "outgoing" / "junk.edxml").write_bytes(content)
    api = FakeExchange()

    await watcher(api, root).poll_once()

    assert api.calls == []
    error = json.loads((root / "rejected" / "junk.error.json").read_text())
    assert error["kind"] == kind


async def test_too_large_file_rejected(root: Path, sample_document: bytes) -> None:
    (root / "outgoing" / "big.edxml").write_bytes(sample_document)
    api = FakeExchange()

    await watcher(api, root, max_size=100).poll_once()

    assert api.calls == []
    error = json.loads((root / "rejected" / "big.error.json").read_text())
    assert (error["kind"], error["status"]) == ("too-large", 413)


@pytest.mark.parametrize("receipt_written", [False, True])
async def test_crash_mid_submit_resubmits_once_and_stores_once(
    root: Path, sample_document: bytes, receipt_written: bool
) -> None:
    """Before the crash the file was claimed and submitted (and maybe its receipt
    written), but it never left processing/."""
    api = FakeExchange()
    (root / "outgoing" / "a.edxml").write_bytes(sample_document)
    await watcher(api, root).poll_once()
    # simulate the crash: put the file back where a crash would have left it
    (root / "processed" / "a.edxml").rename(root / "processing" / "a.edxml")
    if not receipt_written:
        (root / "processed" / "a.receipt.json").unlink()

    report = await watcher(api, root).poll_once()  # the restarted node
    again = await watcher(api, root).poll_once()

    assert report.submitted == 1
    assert again.submitted == 0
    assert len(api.calls) == 2
    assert api.calls[0].idempotency_key == api.calls[1].idempotency_key
    assert api.stored() == 1
    receipt = json.loads((root / "processed" / "a.receipt.json").read_text())
    assert receipt["duplicate"] is True
    assert names(root / "processing") == []
    assert names(root / "processed") == ["a.edxml", "a.receipt.json"]


async def test_node_failure_keeps_the_file_for_the_next_round(
    root: Path, sample_document: bytes
) -> None:
    (root / "outgoing" / "a.edxml").write_bytes(sample_document)
    api = FakeExchange(fail_with=StoreUnavailable("database is locked"))

    first = await watcher(api, root).poll_once()
    assert (first.deferred, names(root / "processing")) == (1, ["a.edxml"])

    api.fail_with = None
    second = await watcher(api, root).poll_once()
    assert second.submitted == 1
    assert names(root / "processed") == ["a.edxml", "a.receipt.json"]
    assert spool_files(root.parent / "spool") == []


async def test_name_already_processed_gets_a_distinct_name(
    root: Path, sample_document: bytes, sample_status: bytes
) -> None:
    api = FakeExchange()
    (root / "outgoing" / "a.edxml").write_bytes(sample_document)
    await watcher(api, root).poll_once()
    (root / "outgoing" / "a.edxml").write_bytes(sample_status)
    await watcher(api, root).poll_once()

    short = hashlib.sha256(sample_status).hexdigest()[:12]
    assert names(root / "processed") == [
        f"a.{short}.edxml",
        f"a.{short}.receipt.json",
        "a.edxml",
        "a.receipt.json",
    ]
    assert (root / "processed" / f"a.{short}.edxml").read_bytes() == sample_status


async def test_batch_bounds_one_round(root: Path, sample_document: bytes) -> None:
    for i in range(5):
        (root / "outgoing" / f"f{i}.edxml").write_bytes(sample_document)
    api = FakeExchange()

    report = await watcher(api, root, batch=2).poll_once()

    assert report.claimed == 2
    assert len(names(root / "outgoing")) == 3


async def test_running_watcher_picks_files_up_and_stops(root: Path, sample_document: bytes) -> None:
    api = FakeExchange()
    running = watcher(api, root, interval=0.05)
    await running.start()
    try:
        (root / "outgoing" / "live.tmp").write_bytes(sample_document)
        (root / "outgoing" / "live.tmp").rename(root / "outgoing" / "live.edxml")
        await asyncio.wait_for(api.submitted.wait(), 5)
    finally:
        await running.stop(grace=5)
    assert len(api.calls) == 1


async def test_missing_root_refuses_to_start(tmp_path: Path) -> None:
    from node.errors import ConfigError

    api = FakeExchange()
    with pytest.raises(ConfigError, match="is not a directory"):
        await watcher(api, tmp_path / "absent").start()
