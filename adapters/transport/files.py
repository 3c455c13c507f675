"""Crash-safe file primitives for the drop folders (blocking: run them in a thread).

A file appears under its final name only complete and on disk: it is written
to a temporary name in the same directory, fsynced, renamed, and the directory
is fsynced so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from adapters.transport.peek import HeaderPeek, HeaderPeeker
from node.errors import LienthongError

CHUNK = 1 << 20
TEMP_SUFFIX = ".tmp"


def temp_path(target: Path) -> Path:
    """A hidden, unique ``.tmp`` name next to ``target`` (ignored by watchers)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def open_exclusive(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    return os.fdopen(fd, "wb")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit(handle: IO[bytes], temp: Path, target: Path) -> None:
    """fsync and close ``handle`` (open on ``temp``), rename it to ``target``,
    fsync the directory. ``temp`` is removed if anything fails."""
    try:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(temp, target)
    except BaseException:
        handle.close()
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def discard(handle: IO[bytes], temp: Path) -> None:
    handle.close()
    temp.unlink(missing_ok=True)


def atomic_write(target: Path, data: bytes) -> None:
    temp = temp_path(target)
    handle = open_exclusive(temp)
    try:
        handle.write(data)
    except BaseException:
        discard(handle, temp)
        raise
    commit(handle, temp, target)


def write_json(target: Path, data: dict[str, object]) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    atomic_write(target, text.encode())


@dataclass(frozen=True)
class FileFacts:
    size: int
    sha256: str
    header: HeaderPeek | None
    header_error: LienthongError | None
    """Why the header could not be read (malformed or unsafe XML)."""


def scan_file(path: Path, copy_to: Path | None = None) -> FileFacts:
    """Hash ``path`` (and peek at its edXML header) in one streaming pass,
    optionally copying it to ``copy_to`` (created exclusively, fsynced)."""
    digest = hashlib.sha256()
    peeker: HeaderPeeker | None = HeaderPeeker()
    problem: LienthongError | None = None
    size = 0
    out = open_exclusive(copy_to) if copy_to is not None else None
    try:
        with path.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if out is not None:
                    out.write(chunk)
                if peeker is not None and not peeker.done:
                    try:
                        peeker.feed(chunk)
                    except LienthongError as exc:
                        problem, peeker = exc, None
        if out is not None:
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        if out is not None and copy_to is not None:
            discard(out, copy_to)
        raise
    if out is not None:
        out.close()
    header = None
    if peeker is not None:
        try:
            header = peeker.result()
        except LienthongError as exc:
            problem = exc
    return FileFacts(size, digest.hexdigest(), header, problem)


def describe_os_error(exc: OSError, what: str) -> str:
    """A clear one-line reason for an operator."""
    reasons = {
        errno.ENOSPC: "disk full",
        errno.EDQUOT: "disk quota exceeded",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EROFS: "read-only file system",
        errno.ENOENT: "no such file or directory",
        errno.ENOTDIR: "not a directory",
    }
    reason = reasons.get(exc.errno or 0) or exc.strerror or type(exc).__name__
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{what}: {reason}{where}"


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
