"""Receiving from a national (VDXP) axis: poll ``getReceivedEdocList`` for
documents and statuses, fetch each with ``getEdoc``, take it in through the
same intake as the peer API (:meth:`node.ports.api.ExchangeApi.receive`:
validation, verification under the trust policy, the automatic 01, or 02 for a
document that cannot be trusted), and only then acknowledge it with
``updateStatus``.

Crash safety, in order:

1. nothing is acknowledged before the message is stored (or refused for
   good): a crash before the store commit leaves it on the axis, offered again;
2. the transfer id is ``vdxp:<upstream>:<DocId>``, so a message fetched again
   after a crash between the commit and ``updateStatus`` is recognised as a
   duplicate (and a refusal is answered once, keyed by that id) and only the
   acknowledgement is repeated;
3. a store that is down (503) acknowledges nothing: the next poll tries again.

``done`` when stored (or already stored); ``fail`` with the reason when the
node refuses it for good (invalid, untrusted, not for an organ it serves).
An axis keeps offering what was acknowledged ``fail`` (so does lienthong's
own ``/vdxp``): a refused DocId, once its ``fail`` reached the axis, is
remembered (:class:`RefusedDocIds`, a file in the data directory, the newest
``limit`` kept) and left alone after, across restarts: no fetch, no second
``fail``, every round.

Loops: a message from the upstream is only taken for recipients this node
serves by another way than that upstream (local organs, peers below it);
anything the routing table would send back up is left out, and a message
with no such recipient is refused with ``fail``.

Polling is bounded (``max_items`` per round) and backs off (doubling to
``max_interval``) while the upstream cannot be reached.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from adapters.periodic import Periodic
from adapters.transport.vdxp_client import ReceivedItem, VdxpCallFailed, VdxpClient
from adapters.transport.vdxp_upstream import UpstreamEndpoint
from node.errors import LienthongError, StoreUnavailable
from node.model import MessageKind, Status
from node.ports.api import ExchangeApi, IncomingBody, PeerPrincipal
from node.ports.driven import Clock, Direction, Hop, TransferMeta

log = logging.getLogger("lienthong.upstream")
MESSAGE_TYPES = ("edoc", "status")


@dataclass
class PollStats:
    """What the admin API and /metrics show about the link."""

    polls: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    received: int = 0
    duplicates: int = 0
    refused: int = 0
    last_success: datetime | None = None
    last_error: str | None = None
    next_poll_in: float = 0.0


class PollObserver(Protocol):
    """What /metrics counts (adapters.http.metrics.NodeMetrics, structurally)."""

    def on_poll(self, upstream: str, *, ok: bool, at: datetime) -> None: ...

    def on_upstream_message(self, upstream: str, outcome: str) -> None:
        """``outcome``: fetched (getEdoc), acked (updateStatus done), refused
        (updateStatus fail)."""
        ...


class _NoObserver:
    def on_poll(self, upstream: str, *, ok: bool, at: datetime) -> None:
        pass

    def on_upstream_message(self, upstream: str, outcome: str) -> None:
        pass


class UpstreamPoller(Periodic):
    def __init__(
        self,
        *,
        endpoint: UpstreamEndpoint,
        client: Callable[[], VdxpClient],
        exchange: ExchangeApi,
        serves: Callable[[str], bool],
        spool_dir: Path,
        clock: Clock,
        interval: float,
        max_interval: float = 300.0,
        max_items: int = 200,
        refused: RefusedDocIds | None = None,
        observer: PollObserver | None = None,
    ) -> None:
        super().__init__(f"upstream-{endpoint.name}")
        self.endpoint = endpoint
        self._client = client
        self._exchange = exchange
        self._serves = serves
        self._spool = spool_dir
        self._clock = clock
        self._interval = interval
        self._max_interval = max(max_interval, interval)
        self._max_items = max_items
        self._refused = refused if refused is not None else RefusedDocIds(None)
        self.stats = PollStats()
        self._observer: PollObserver = observer or _NoObserver()
        self._peer = PeerPrincipal(endpoint.name, endpoint.organ_id)

    async def prepare(self) -> None:
        self._spool.mkdir(parents=True, exist_ok=True)

    def delay(self) -> float:
        """The wait before the next poll: the interval, doubled per failed round."""
        steps = min(self.stats.consecutive_failures, 16)
        return float(min(self._interval * (2**steps), self._max_interval))

    async def once(self) -> None:
        try:
            await self.poll_once()
        finally:
            self.stats.next_poll_in = self.delay()

    async def poll_once(self) -> int:
        """One round over documents and statuses; the number taken in."""
        self.stats.polls += 1
        taken = 0
        if not self._refused.loaded:
            await asyncio.to_thread(self._refused.load)
        try:
            for message_type in MESSAGE_TYPES:
                items = await self._client().received(message_type)
                new = [i for i in items if i.doc_id not in self._refused]
                for item in new[: self._max_items]:
                    if self._stopping.is_set():
                        return taken
                    taken += await self._take(item)
        except VdxpCallFailed as exc:
            self.stats.failures += 1
            self.stats.consecutive_failures += 1
            self.stats.last_error = str(exc)
            log.warning("upstream %s: %s", self.endpoint.name, exc)
            self._observer.on_poll(self.endpoint.name, ok=False, at=self._clock.now())
            return taken
        except StoreUnavailable as exc:
            self.stats.failures += 1
            self.stats.consecutive_failures += 1
            self.stats.last_error = f"store unavailable: {exc.detail}"
            log.warning("upstream %s: store unavailable: %s", self.endpoint.name, exc.detail)
            self._observer.on_poll(self.endpoint.name, ok=False, at=self._clock.now())
            return taken
        self.stats.consecutive_failures = 0
        self.stats.last_success = self._clock.now()
        self._observer.on_poll(self.endpoint.name, ok=True, at=self.stats.last_success)
        return taken

    async def _take(self, item: ReceivedItem) -> int:
        client = self._client()
        data = await client.get_edoc(item.doc_id)
        self._observer.on_upstream_message(self.endpoint.name, "fetched")
        body = await asyncio.to_thread(self._spool_bytes, data)
        try:
            result = await self._receive(item, body)
        except StoreUnavailable:
            raise  # not acknowledged: offered again
        except LienthongError as exc:
            self.stats.refused += 1
            log.warning("upstream %s: refused %s: %s", self.endpoint.name, item.doc_id, exc.detail)
            await client.update_status(item.doc_id, "fail", f"{exc.kind}: {exc.detail}")
            await asyncio.to_thread(self._refused.add, item.doc_id)
            self._observer.on_upstream_message(self.endpoint.name, "refused")
            return 0
        finally:
            await asyncio.to_thread(body.path.unlink, missing_ok=True)
        await client.update_status(item.doc_id, "done")
        self._observer.on_upstream_message(self.endpoint.name, "acked")
        if result:
            self.stats.received += 1
        else:
            self.stats.duplicates += 1
        return 1 if result else 0

    async def _receive(self, item: ReceivedItem, body: IncomingBody) -> bool:
        from node.validation import validate_file

        report = await asyncio.to_thread(validate_file, body.path)
        report.raise_for_issues()
        env = report.envelope
        assert env is not None
        if isinstance(env.header, Status):
            addressed: tuple[str, ...] = (env.header.response_for.organ_id,)
        else:
            addressed = env.recipients
        recipients = tuple(r for r in dict.fromkeys(addressed) if self._serves(r))
        if not recipients:
            raise NotForUs(
                f"none of {', '.join(addressed)} is served by this node "
                f"(other than through upstream {self.endpoint.name})"
            )
        kind = MessageKind.STATUS if isinstance(env.header, Status) else MessageKind.DOCUMENT
        sent_at = _parse_time(item.created_time) or self._clock.now()
        meta = TransferMeta(
            message_id=f"vdxp:{self.endpoint.name}:{item.doc_id}",
            kind=kind,
            recipients=recipients,
            hops=(Hop(self.endpoint.organ_id, sent_at, Direction.OUT),),
        )
        result = await self._exchange.receive(body, peer=self._peer, meta=meta)
        log.info(
            "upstream %s: %s %s as %s",
            self.endpoint.name,
            "duplicate" if result.duplicate else "received",
            item.doc_id,
            result.id,
            extra={"message_id": result.id, "upstream": self.endpoint.name},
        )
        return not result.duplicate

    def _spool_bytes(self, data: bytes) -> IncomingBody:
        path = self._spool / f"upstream-{os.getpid()}-{secrets.token_hex(8)}.edxml"
        with open(path, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        return IncomingBody(path, len(data), hashlib.sha256(data).hexdigest())


class RefusedDocIds:
    """The DocIds this node refused and acknowledged ``fail``, newest last, at
    most ``limit`` (the oldest forgotten: offered again, it is fetched and
    refused once more). Kept in ``path`` (None: in memory), one JSON string a
    line, appended and fsynced per refusal, rewritten whole (atomically) when
    it holds twice the limit; a torn last line (a crash mid-write) is skipped."""

    def __init__(self, path: Path | None, limit: int = 10_000) -> None:
        self._path = path
        self._limit = max(limit, 1)
        self._ids: dict[str, None] = {}
        self._lines = 0
        self.loaded = path is None

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def load(self) -> None:
        self.loaded = True
        if self._path is None:
            return
        try:
            text = self._path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        lines = text.splitlines()
        self._lines = len(lines)
        self._keep(_doc_ids(lines))

    def add(self, doc_id: str) -> None:
        self._keep((doc_id,))
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        if self._lines + 1 >= 2 * self._limit:
            self._rewrite()
            return
        with open(self._path, "a", encoding="utf-8") as f:
            f.write(json.dumps(doc_id) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self._lines += 1

    def _keep(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            self._ids.pop(doc_id, None)
            self._ids[doc_id] = None
        while len(self._ids) > self._limit:  # bounded by the limit
            del self._ids[next(iter(self._ids))]

    def _rewrite(self) -> None:
        assert self._path is not None
        temporary = self._path.with_name(self._path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(d) + "\n" for d in self._ids)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self._path)
        self._lines = len(self._ids)


def _doc_ids(lines: Iterable[str]) -> Iterable[str]:
    for line in lines:
        try:
            doc_id = json.loads(line)
        except ValueError:
            continue  # torn by a crash mid-write
        if isinstance(doc_id, str):
            yield doc_id


class NotForUs(LienthongError):
    kind = "not-for-this-node"
    http_status = 422
    title = "No recipient served by this node"


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None
