"""Delivery into a local DMS's drop folder (``<root>/incoming/``).

For DMS integrators: each message appears as ``<message id>.edxml`` (the bytes
exactly as signed), complete the moment its name is visible (written to a
hidden ``.….tmp`` file in the same folder, fsynced, renamed). Then
``<message id>.receipt.json`` appears next to it::

    {"id", "kind", "document_id", "sender", "recipients": [...],
     "sha256", "size", "file", "delivered_at"}

Take a message when its receipt exists; delete or move both files once you
stored them. Ignore ``.*.tmp`` files: they are unfinished writes (after a crash
they can be deleted). The same message id can arrive again after a crash of the
node between writing and recording the delivery: if the identical file is still
there it is left alone (a duplicate); if you already took it, it is written
again, so deduplicate by message id.

Outcomes: written → delivered; identical file present → duplicate; a different
file under the same name → permanent (needs an operator); disk full, permission
or other I/O errors → transient, with the reason.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import IO

from adapters.transport.body import BodyCorrupted, VerifiedStream
from adapters.transport.config import DropFolderEndpoint
from adapters.transport.files import (
    FileFacts,
    commit,
    describe_os_error,
    discard,
    open_exclusive,
    scan_file,
    temp_path,
    write_json,
)
from adapters.transport.headers import message_id_problem
from adapters.transport.peek import HeaderPeek, HeaderPeeker
from node.errors import LienthongError
from node.ports.driven import Clock, DeliveryOutcome, Outcome, StoredBody, TransferMeta

log = logging.getLogger(__name__)


class DropFolderWriter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    async def deliver(
        self, endpoint: DropFolderEndpoint, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        if problem := message_id_problem(meta.message_id):
            return DeliveryOutcome(Outcome.PERMANENT, f"cannot name a file after it: {problem}")
        folder = endpoint.incoming
        target = folder / f"{meta.message_id}.edxml"
        receipt = folder / f"{meta.message_id}.receipt.json"
        try:
            await asyncio.to_thread(_prepare, endpoint)
            if await asyncio.to_thread(target.exists):
                return await self._existing(target, receipt, meta, body)
            header = await self._write(target, body)
            await asyncio.to_thread(write_json, receipt, self._receipt(meta, body, target, header))
        except BodyCorrupted as exc:
            return DeliveryOutcome(Outcome.PERMANENT, f"{exc}; nothing written")
        except OSError as exc:
            what = f"drop folder of {endpoint.client_id}"
            return DeliveryOutcome(Outcome.TRANSIENT, describe_os_error(exc, what))
        return DeliveryOutcome(Outcome.DELIVERED, f"written to {target}")

    async def _write(self, target: Path, body: StoredBody) -> HeaderPeek | None:
        temp = temp_path(target)
        handle: IO[bytes] = await asyncio.to_thread(open_exclusive, temp)
        peeker: HeaderPeeker | None = HeaderPeeker()
        try:
            async for chunk in VerifiedStream(body):
                await asyncio.to_thread(handle.write, chunk)
                if peeker is not None and not peeker.done:
                    try:
                        peeker.feed(chunk)
                    except LienthongError:
                        peeker = None
        except BaseException:
            await asyncio.to_thread(discard, handle, temp)
            raise
        await asyncio.to_thread(commit, handle, temp, target)
        return _header(peeker)

    async def _existing(
        self, target: Path, receipt: Path, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        facts: FileFacts = await asyncio.to_thread(scan_file, target)
        if facts.sha256 != body.sha256:
            return DeliveryOutcome(
                Outcome.PERMANENT,
                f"{target} already exists with different content (sha256 {facts.sha256}); "
                "an operator must move it away and resend",
            )
        if not await asyncio.to_thread(receipt.exists):
            data = self._receipt(meta, body, target, facts.header)
            await asyncio.to_thread(write_json, receipt, data)
        return DeliveryOutcome(Outcome.DUPLICATE, f"{target} already there")

    def _receipt(
        self, meta: TransferMeta, body: StoredBody, target: Path, header: HeaderPeek | None
    ) -> dict[str, object]:
        return {
            "id": meta.message_id,
            "kind": str(meta.kind),
            "document_id": header.document_id if header else None,
            "sender": header.sender if header else None,
            "recipients": list(meta.recipients),
            "sha256": body.sha256,
            "size": body.size,
            "file": target.name,
            "delivered_at": _iso(self._clock.now()),
        }


def _prepare(endpoint: DropFolderEndpoint) -> None:
    if not endpoint.path.is_dir():
        raise FileNotFoundError(2, "drop folder root does not exist", str(endpoint.path))
    endpoint.incoming.mkdir(exist_ok=True)


def _header(peeker: HeaderPeeker | None) -> HeaderPeek | None:
    if peeker is None:
        return None
    try:
        return peeker.result()
    except LienthongError:
        return None


def _iso(at: datetime) -> str:
    return at.isoformat()
