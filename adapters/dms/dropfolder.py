"""The outgoing side of the drop-folder mode: a DMS drops files, the node submits them.

For DMS integrators
===================

Folder tree under the configured root (created by the node, except the root):

- ``outgoing/``: write each message as ``<anything>.tmp`` (or a hidden
  ``.<anything>``), then rename it to ``<name>.edxml`` when complete. Only
  ``*.edxml`` names that do not start with a dot are picked up, so a file is
  never taken half-written.
- ``processing/``: the node's; a file sits here while it is being submitted.
- ``processed/``: accepted files, each with ``<name>.receipt.json``:
  ``{"file", "sha256", "size", "kind", "id", "document_id", "state",
  "duplicate", "submitted_at"}`` (``id`` is the node's message id; trace it
  with the DMS API).
- ``rejected/``: refused files, each with ``<name>.error.json``: the problem
  (``type``, ``kind``, ``title``, ``status``, ``detail``, ``errors``: a list of
  ``{"line", "path", "message"}``) plus ``file``, ``sha256``, ``size``,
  ``rejected_at``. Fix and drop the file again.

If ``<name>.edxml`` already exists in ``processed/`` or ``rejected/``, the new
one is stored as ``<name>.<first 12 hex of its sha256>.edxml``.

Only regular files are taken (symbolic links are left alone, so a DMS cannot
make the node read files it could not read itself). Run one watcher per folder
tree; two would still not store a file twice (same idempotency key) but would
submit it twice.

Guarantees: a file is never lost (it is moved, never deleted, and its receipt
or error is written before it leaves ``processing/``) and never stored twice:
the submit carries an idempotency key derived from the file's SHA-256, so
after a crash the files left in ``processing/`` are submitted again and the
engine answers with the first result. The same content dropped twice on
purpose is also answered as a duplicate. Failures of the node itself (store
unavailable, 5xx) leave the file in ``processing/`` for the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from adapters.transport.config import DropFolderEndpoint
from adapters.transport.files import FileFacts, remove_quietly, scan_file, write_json
from node.errors import Issue, LienthongError, MalformedXml, TooLarge, ValidationFailed
from node.ports.api import DmsPrincipal, ExchangeApi, IncomingBody, SubmitResult
from node.ports.driven import Clock, SystemClock

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://lienthong.dev/problems/"


@dataclass(frozen=True)
class PollReport:
    submitted: int = 0
    rejected: int = 0
    deferred: int = 0
    """Left in processing/ after a failure of the node; retried next round."""
    claimed: int = 0
    """Files moved from outgoing/ this round."""


def idempotency_key(sha256: str) -> str:
    return f"drop-folder-sha256-{sha256}"


class DropFolderWatcher:
    """Polls one DMS's ``outgoing/`` folder every ``interval`` seconds."""

    def __init__(
        self,
        api: ExchangeApi,
        endpoint: DropFolderEndpoint,
        principal: DmsPrincipal,
        *,
        spool_dir: Path,
        clock: Clock | None = None,
        interval: float = 2.0,
        batch: int = 100,
        max_size: int | None = None,
    ) -> None:
        if interval <= 0 or batch <= 0:
            raise ValueError("interval and batch must be positive")
        self._api = api
        self._folders = endpoint
        self._principal = principal
        self._spool = spool_dir
        self._clock = clock or SystemClock()
        self._interval = interval
        self._batch = batch
        self._max_size = max_size
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Create the folder tree (ConfigError when the root is missing) and poll."""
        await asyncio.to_thread(self._folders.ensure)
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(
                self._run(), name=f"drop-folder-{self._principal.client_id}"
            )

    async def stop(self, grace: float = 30.0) -> None:
        """Finish the file in hand, then stop (cancelled after ``grace`` seconds)."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            report = PollReport()
            try:
                report = await self.poll_once()
            except Exception:
                log.exception("drop folder %s: poll failed", self._folders.path)
            if report.claimed >= self._batch and not report.deferred:
                continue  # more waiting: no pause between full batches
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)

    async def poll_once(self) -> PollReport:
        """One round: files left in processing/ first, then new ones, at most ``batch``."""
        async with self._lock:
            await asyncio.to_thread(self._spool.mkdir, parents=True, exist_ok=True)
            pending = await asyncio.to_thread(_listing, self._folders.processing, self._batch)
            fresh: list[Path] = []
            if not self._stopping.is_set():
                fresh = await asyncio.to_thread(self._claim, self._batch - len(pending))
            counts = {"submitted": 0, "rejected": 0, "deferred": 0}
            for path in pending + fresh:
                counts[await self._handle(path)] += 1
            return PollReport(claimed=len(fresh), **counts)

    def _claim(self, room: int) -> list[Path]:
        claimed: list[Path] = []
        for path in _listing(self._folders.outgoing, room):
            target = self._folders.processing / path.name
            if target.exists():
                continue  # same name still in hand; take it next round
            try:
                path.rename(target)
            except FileNotFoundError:
                continue  # taken by another watcher, or withdrawn by the DMS
            claimed.append(target)
        return claimed

    async def _handle(self, path: Path) -> str:
        spool = self._spool / f"drop-{secrets.token_hex(8)}.edxml"
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
            too_large = self._max_size is not None and size > self._max_size
            facts = await asyncio.to_thread(scan_file, path, None if too_large else spool)
        except OSError as exc:
            log.warning("drop folder: cannot read %s: %s", path, exc)
            await asyncio.to_thread(remove_quietly, spool)
            return "deferred"
        try:
            return await self._submit(path, spool, facts)
        finally:
            await asyncio.to_thread(remove_quietly, spool)

    async def _submit(self, path: Path, spool: Path, facts: FileFacts) -> str:
        try:
            if self._max_size is not None and facts.size > self._max_size:
                raise TooLarge(f"{facts.size} bytes, the limit is {self._max_size}")
            if facts.header is None:
                raise facts.header_error or MalformedXml("not an edXML message")
            result = await self._api.submit(
                IncomingBody(spool, facts.size, facts.sha256),
                principal=self._principal,
                kind=facts.header.kind,
                idempotency_key=idempotency_key(facts.sha256),
            )
        except LienthongError as exc:
            if exc.http_status >= 500:
                log.warning("drop folder: %s deferred: %s", path.name, exc.detail)
                return "deferred"
            await asyncio.to_thread(self._reject, path, facts, exc)
            return "rejected"
        except Exception:
            log.exception("drop folder: submitting %s failed; retried next round", path.name)
            return "deferred"
        await asyncio.to_thread(self._accept, path, facts, result)
        return "submitted"

    def _accept(self, path: Path, facts: FileFacts, result: SubmitResult) -> None:
        target = _free_name(self._folders.processed, path.name, facts.sha256)
        receipt: dict[str, object] = {
            **_file_facts(path, facts),
            **result.as_dict(),
            "kind": str(facts.header.kind) if facts.header else None,
            "duplicate": result.duplicate,
            "submitted_at": self._clock.now().isoformat(),
        }
        write_json(target.with_suffix(".receipt.json"), receipt)
        path.rename(target)
        log.info("drop folder: %s submitted as %s", path.name, result.id)

    def _reject(self, path: Path, facts: FileFacts, exc: LienthongError) -> None:
        target = _free_name(self._folders.rejected, path.name, facts.sha256)
        issues: tuple[Issue, ...] = exc.issues if isinstance(exc, ValidationFailed) else ()
        error: dict[str, object] = {
            **_file_facts(path, facts),
            "type": PROBLEM_BASE + exc.kind,
            "kind": exc.kind,
            "title": exc.title,
            "status": exc.http_status,
            "detail": exc.detail,
            "errors": [issue.as_dict() for issue in issues],
            "rejected_at": self._clock.now().isoformat(),
        }
        write_json(target.with_suffix(".error.json"), error)
        path.rename(target)
        log.info("drop folder: %s rejected: %s", path.name, exc.detail)


def _listing(folder: Path, limit: int) -> list[Path]:
    """Complete files (``*.edxml``, not hidden), oldest first, at most ``limit``."""
    if limit <= 0:
        return []
    entries = []
    for path in folder.iterdir():
        if path.suffix != ".edxml" or path.name.startswith("."):
            continue
        with contextlib.suppress(FileNotFoundError):
            info = path.lstat()
            if stat.S_ISREG(info.st_mode):  # no symlinks, devices or folders
                entries.append((info.st_mtime_ns, path.name, path))
    entries.sort()
    return [path for _, _, path in entries[:limit]]


def _free_name(folder: Path, name: str, sha256: str) -> Path:
    target = folder / name
    if not target.exists():
        return target
    return folder / f"{Path(name).stem}.{sha256[:12]}.edxml"


def _file_facts(path: Path, facts: FileFacts) -> dict[str, object]:
    return {"file": path.name, "sha256": facts.sha256, "size": facts.size}
