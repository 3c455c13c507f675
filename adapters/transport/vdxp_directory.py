"""Keeping the organ directory in step with a national (VDXP) axis: where the
operator sets ``directory_sync = true`` on an upstream, the node calls the
axis' directory (``getAgenciesList`` by default, as ``AgencyServiceImp`` does)
every ``directory_interval`` and keeps the last good copy.

Where it is kept: one JSON file per upstream, ``<data_dir>/directory/<name>.json``,
replaced atomically (a temporary file in the same directory, fsync, rename,
fsync of the directory), so a crash leaves the old copy or the new one, never
half of one. A file rather than a store table: the copy is a cache of the
axis' answer that no transaction joins with messages, it is read whole, and it
needs no migration on either store engine.

Each attempt rewrites the file: a good answer replaces the entries and
``synced_at``; a failure (unreachable axis, ``FAIL``, an answer the SDK could
not read) keeps the entries and ``synced_at`` and records ``last_error``. After
a failure the next attempt comes sooner, doubling from ``RETRY_BASE`` and never
later than the interval (bounded: no storm, no long blind spell). Nothing here
stops the node: every error is logged and the loop goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters.periodic import Periodic
from adapters.transport.vdxp_client import AGENCY_FIELDS, Agency, VdxpCallFailed, VdxpClient
from node.ports.driven import Clock

log = logging.getLogger("lienthong.upstream.directory")

FORMAT = 1
RETRY_BASE = 30.0
"""Seconds before the first retry after a failed sync."""
DIRECTORY_CALLS = tuple(AGENCY_FIELDS)
"""The same as node.config.fields.DIRECTORY_CALLS (tests/unit checks)."""


@dataclass(frozen=True)
class DirectoryCopy:
    """What the node holds of one upstream's directory."""

    upstream: str
    call: str
    entries: tuple[Agency, ...] = ()
    synced_at: datetime | None = None
    """When the entries were fetched (None: never)."""
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    """Why the last attempt failed (None: it succeeded)."""
    consecutive_failures: int = 0

    def knows(self, organ: str) -> bool:
        return any(e.code == organ and not e.deleted for e in self.entries)


def directory_file(data_dir: Path, upstream: str) -> Path:
    """``upstream`` is a config name token (letters, digits, ``._-``)."""
    return data_dir / "directory" / f"{upstream}.json"


def read_copy(path: Path, upstream: str, call: str) -> DirectoryCopy:
    """The copy in ``path``; an empty one when there is none yet, or when the
    file cannot be read (``last_error`` says why; the next good sync replaces it)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return DirectoryCopy(upstream, call)
    except OSError as exc:
        return DirectoryCopy(upstream, call, last_error=f"cannot read {path}: {exc.strerror}")
    try:
        return _from_json(json.loads(raw.decode("utf-8")))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        return DirectoryCopy(upstream, call, last_error=f"{path} is not a directory copy: {exc}")


def write_copy(path: Path, copy: DirectoryCopy) -> None:
    """Atomically: tmp + fsync + rename + fsync of the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(_to_json(copy), ensure_ascii=False, separators=(",", ":")).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def entry_json(agency: Agency) -> dict[str, Any]:
    return dataclasses.asdict(agency)


def copy_json(copy: DirectoryCopy) -> dict[str, Any]:
    """The admin API's view (and the file's, with ``format``)."""
    return {
        "upstream": copy.upstream,
        "call": copy.call,
        "synced_at": _time(copy.synced_at),
        "last_attempt_at": _time(copy.last_attempt_at),
        "last_error": copy.last_error,
        "consecutive_failures": copy.consecutive_failures,
        "count": len(copy.entries),
        "entries": [entry_json(e) for e in copy.entries],
    }


def _to_json(copy: DirectoryCopy) -> dict[str, Any]:
    return {"format": FORMAT, **copy_json(copy)}


def _from_json(data: Mapping[str, Any]) -> DirectoryCopy:
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown format {data.get('format')!r}")
    names = {f.name for f in dataclasses.fields(Agency)}
    entries = tuple(Agency(**{k: v for k, v in e.items() if k in names}) for e in data["entries"])
    return DirectoryCopy(
        upstream=str(data["upstream"]),
        call=str(data["call"]),
        entries=entries,
        synced_at=_parse(data.get("synced_at")),
        last_attempt_at=_parse(data.get("last_attempt_at")),
        last_error=data.get("last_error"),
        consecutive_failures=int(data.get("consecutive_failures") or 0),
    )


def _time(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _parse(text: Any) -> datetime | None:
    return None if text is None else datetime.fromisoformat(str(text))


class DirectorySync(Periodic):
    """The background part of one upstream with ``directory_sync = true``."""

    def __init__(
        self,
        *,
        upstream: str,
        client: Callable[[], VdxpClient],
        path: Path,
        clock: Clock,
        interval: float,
        call: str = "getAgenciesList",
        retry_base: float = RETRY_BASE,
    ) -> None:
        if call not in AGENCY_FIELDS:
            raise ValueError(f"not a directory call: {call}")
        super().__init__(f"directory-{upstream}")
        self.upstream = upstream
        self.path = path
        self.call = call
        self._client = client
        self._clock = clock
        self._interval = interval
        self._retry_base = min(retry_base, interval)
        self.copy = DirectoryCopy(upstream, call)

    async def prepare(self) -> None:
        self.copy = await asyncio.to_thread(read_copy, self.path, self.upstream, self.call)

    async def once(self) -> None:
        await self.sync_once()

    def delay(self) -> float:
        """The wait before the next attempt: the interval after a good sync;
        after failures RETRY_BASE doubled per failure, at most the interval."""
        failures = self.copy.consecutive_failures
        if failures == 0:
            return self._interval
        return float(min(self._retry_base * 2 ** min(failures - 1, 16), self._interval))

    async def sync_once(self) -> bool:
        """One attempt; True when a good answer replaced the copy."""
        now = self._clock.now()
        try:
            entries = await self._client().agencies(self.call)
        except VdxpCallFailed as exc:
            self.copy = dataclasses.replace(
                self.copy,
                last_attempt_at=now,
                last_error=str(exc),
                consecutive_failures=self.copy.consecutive_failures + 1,
            )
            log.warning(
                "upstream %s: directory not updated (%d entries kept): %s",
                self.upstream,
                len(self.copy.entries),
                exc,
                extra={"upstream": self.upstream},
            )
            await self._save()
            return False
        self.copy = DirectoryCopy(
            upstream=self.upstream,
            call=self.call,
            entries=tuple(entries),
            synced_at=now,
            last_attempt_at=now,
        )
        await self._save()
        log.info(
            "upstream %s: directory synced, %d entries",
            self.upstream,
            len(entries),
            extra={"upstream": self.upstream},
        )
        return True

    async def _save(self) -> None:
        try:
            await asyncio.to_thread(write_copy, self.path, self.copy)
        except OSError as exc:
            log.error("upstream %s: cannot write %s: %s", self.upstream, self.path, exc)
