"""Message bytes as files beside the SQLite database.

A blob is written and fsynced (file and directory) under ``blobs/incoming/``
before its row is committed, then moved to ``blobs/<id[:2]>/<id>``. A crash
can leave only files without rows (swept at the next start) or committed rows
whose file is still in ``incoming/`` (readers look there too; the sweep moves
it into place). Each process holds a shared lock on ``blobs/.lock`` while it
runs; the sweep removes recent orphans only when it gets the lock exclusively,
i.e. when no other process could be half-way through an accept.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import io
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from node.errors import StoreUnavailable

CHUNK = 1 << 20
ORPHAN_GRACE_SECONDS = 3600.0
"""With other processes running, only orphans older than this are removed."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileBlobs:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / "incoming"
        self.spool = root / "spool"
        self._lock_fd: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def open(self, rows_exist: Callable[[list[str]], set[str]]) -> None:
        for folder in (self.root, self.incoming, self.spool):
            folder.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except BlockingIOError:
            alone = False
        try:
            self.sweep(rows_exist, grace=0.0 if alone else ORPHAN_GRACE_SECONDS)
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_SH)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def sweep(self, rows_exist: Callable[[list[str]], set[str]], *, grace: float) -> None:
        """Finish publishing committed blobs; delete orphans older than ``grace`` s."""
        now = time.time()
        names = [p.name for p in self.incoming.iterdir() if p.is_file()]
        for batch_start in range(0, len(names), 500):
            batch = names[batch_start : batch_start + 500]
            committed = rows_exist(batch)
            for name in batch:
                path = self.incoming / name
                if name in committed:
                    self.publish(name)
                    continue
                with contextlib.suppress(FileNotFoundError):
                    if now - path.stat().st_mtime >= grace:
                        path.unlink()
        for stale in self.spool.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if now - stale.stat().st_mtime >= max(grace, 60.0):
                    stale.unlink()

    # ------------------------------------------------------------------ writing

    def stage(self, blobs: Iterable[tuple[str, Path | bytes]]) -> None:
        """Write blobs durably under incoming/ (blocking: run it in a thread): each
        file fsynced, then the directory once. A ``Path`` body is moved (renamed,
        or copied in chunks across filesystems)."""
        for message_id, body in blobs:
            target = self.incoming / message_id
            if isinstance(body, bytes):
                with open(target, "xb") as out:
                    out.write(body)
                    out.flush()
                    os.fsync(out.fileno())
            else:
                self._move(body, target)
        _fsync_dir(self.incoming)

    def _move(self, source: Path, target: Path) -> None:
        try:
            os.replace(source, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            with open(source, "rb") as src, open(target, "xb") as out:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            source.unlink()
            return
        _fsync_file(target)

    def publish(self, message_id: str) -> None:
        """Move a committed blob into place. Best effort and not fsynced: if the
        rename is lost in a crash the blob is still (durably) in incoming/, where
        readers look too and the next start's sweep moves it again."""
        shard = self.root / message_id[:2]
        try:
            shard.mkdir(exist_ok=True)
            os.replace(self.incoming / message_id, shard / message_id)
        except OSError:
            return

    def discard(self, message_ids: Iterable[str]) -> None:
        for message_id in message_ids:
            with contextlib.suppress(FileNotFoundError):
                (self.incoming / message_id).unlink()

    # ------------------------------------------------------------------ reading

    def open_blob(self, message_id: str) -> BinaryIO:
        """Open the blob wherever it is (it may be moving from incoming/ into place)."""
        final = self.root / message_id[:2] / message_id
        for candidate in (final, self.incoming / message_id, final):
            try:
                return open(candidate, "rb")
            except FileNotFoundError:
                continue
        raise StoreUnavailable(f"the stored bytes of message {message_id} are missing")


class MemoryBlobs:
    """Message bytes in a dict, for a ``:memory:`` database (unit tests): the
    same staging steps as :class:`FileBlobs`, nothing on disk."""

    def __init__(self) -> None:
        self.root = Path(":memory:")
        self.spool: Path | None = None
        self._staged: dict[str, bytes] = {}
        self._published: dict[str, bytes] = {}

    def open(self, rows_exist: Callable[[list[str]], set[str]]) -> None:
        del rows_exist  # nothing survives the process: nothing to sweep

    def close(self) -> None:
        self._staged.clear()
        self._published.clear()

    def stage(self, blobs: Iterable[tuple[str, Path | bytes]]) -> None:
        for message_id, body in blobs:
            if isinstance(body, bytes):
                self._staged[message_id] = body
            else:
                self._staged[message_id] = body.read_bytes()
                body.unlink()

    def publish(self, message_id: str) -> None:
        self._published[message_id] = self._staged.pop(message_id)

    def discard(self, message_ids: Iterable[str]) -> None:
        for message_id in message_ids:
            self._staged.pop(message_id, None)

    def open_blob(self, message_id: str) -> BinaryIO:
        data = self._published.get(message_id)
        if data is None:
            raise StoreUnavailable(f"the stored bytes of message {message_id} are missing")
        return io.BytesIO(data)


class FileBody:
    """:class:`node.ports.driven.StoredBody` over a blob file, read in chunks off the loop."""

    def __init__(
        self, blobs: FileBlobs | MemoryBlobs, message_id: str, size: int, sha256: str
    ) -> None:
        self._blobs = blobs
        self._message_id = message_id
        self.size = size
        self.sha256 = sha256

    async def chunks(self, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
        if self.size <= chunk_size:  # small (most documents): one thread hop, not three
            data = await asyncio.to_thread(self._read_small, chunk_size)
            if data:
                yield data
            return
        try:
            handle = await asyncio.to_thread(self._blobs.open_blob, self._message_id)
        except OSError as exc:
            raise StoreUnavailable(f"cannot read message {self._message_id}: {exc}") from exc
        try:
            while True:
                try:
                    chunk = await asyncio.to_thread(handle.read, chunk_size)
                except OSError as exc:
                    raise StoreUnavailable(
                        f"cannot read message {self._message_id}: {exc}"
                    ) from exc
                if not chunk:
                    return
                yield chunk
        finally:
            handle.close()

    def _read_small(self, chunk_size: int) -> bytes:
        """The whole blob when it fits in one chunk (read to the end: a file
        longer than its recorded size shows as such, as in chunked reading)."""
        try:
            with self._blobs.open_blob(self._message_id) as handle:
                data = handle.read(chunk_size)
                rest = handle.read()
        except OSError as exc:
            raise StoreUnavailable(f"cannot read message {self._message_id}: {exc}") from exc
        return data + rest
