"""SQLite keeps small bodies as rows of their message's transaction, big ones as
blob files; both read back exactly, and so do small bodies that an earlier
version stored as files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from node.errors import StoreUnavailable
from node.store import Store
from node.store.sqlite import INLINE_BYTES
from tests.integration.store.conftest import Target, message, read_all


def _sqlite_files(target: Target) -> Path:
    target.door()
    if target.sqlite_path is None:
        pytest.skip("PostgreSQL keeps every body in the database")
    return target.sqlite_path.parent / "blobs"


def _blob_files(blobs: Path) -> list[str]:
    found = (p for p in blobs.rglob("*") if p.is_file() and "spool" not in p.parts)
    return sorted(p.name for p in found if p.name != ".lock")


async def test_small_bodies_are_rows_big_ones_files(
    store: Store, target: Target, tmp_path: Path
) -> None:
    blobs = _sqlite_files(target)
    at_limit, over = os.urandom(INLINE_BYTES), os.urandom(INLINE_BYTES + 1)
    spooled = tmp_path / "small.bin"
    spooled.write_bytes(at_limit)
    small_file, small_bytes, big = message(body=spooled), message(body=b"<s/>"), message(body=over)

    await store.accept([small_file, small_bytes, big])

    assert not spooled.exists(), "the store owns the spooled body and is done with it"
    assert _blob_files(blobs) == [big.id]
    assert await target.fetchval("SELECT COUNT(*) FROM message_bodies") == 2
    assert await read_all(store, small_file.id, chunk_size=1000) == at_limit
    assert await read_all(store, small_bytes.id) == b"<s/>"
    assert await read_all(store, big.id) == over


async def test_a_duplicate_small_body_is_not_kept(
    store: Store, target: Target, tmp_path: Path
) -> None:
    _sqlite_files(target)
    first = message(keys=("doc|D|A|B",))
    spooled = tmp_path / "again.bin"
    spooled.write_bytes(b"<edXML>again</edXML>")
    again = message(keys=("doc|D|A|B",), body=spooled)
    await store.accept([first])

    assert (await store.accept([again])).duplicate

    assert not spooled.exists()
    assert await target.fetchval("SELECT COUNT(*) FROM message_bodies") == 1


async def test_a_small_body_an_earlier_version_stored_as_a_file_still_reads(
    store: Store, target: Target
) -> None:
    blobs = _sqlite_files(target)
    m = message(body=b"<edXML>from version 5</edXML>")
    await store.accept([m])
    await target.execute(f"DELETE FROM message_bodies WHERE message_id = '{m.id}'")

    with pytest.raises(StoreUnavailable, match="missing"):
        await read_all(store, m.id)

    (blobs / m.id[:2]).mkdir(exist_ok=True)
    (blobs / m.id[:2] / m.id).write_bytes(m.body)  # type: ignore[arg-type]
    assert await read_all(store, m.id) == m.body
