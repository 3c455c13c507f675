"""The node's checkpointer: signs the audit chain's head at start, at intervals
and on graceful shutdown, has the signature timestamped by the configured TSA
(RFC 3161), and records configuration and key changes at start.

TSA policy (``[audit] tsa_policy``): ``open`` stores the checkpoint without a
timestamp (saying why) and carries on; ``closed`` stores nothing untimestamped:
the node refuses new messages (503 problem+json) and ``/readyz`` is not ready
until the TSA answers again. Either way a failing TSA shows in the metrics
(``lienthong_audit_tsa_up``, ``lienthong_audit_tsa_failures``) and the log.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import enum
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from node.checkpoints import CheckpointSigner, Timestamper, checkpoint_payload, payload_digest
from node.engine.context import off_loop
from node.errors import LienthongError, StoreUnavailable
from node.model import MessageKind
from node.ports.api import DmsPrincipal, ExchangeApi, IncomingBody, PeerPrincipal, SubmitResult
from node.ports.driven import Clock, TransferMeta
from node.store.port import Store
from node.store.records import Checkpoint, NewAuditEntry, NewCheckpoint

log = logging.getLogger("lienthong.audit")


class TsaPolicy(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AuditUnavailable(LienthongError):
    """The audit trail cannot be timestamped and the policy is to fail closed."""

    kind = "audit-unavailable"
    http_status = 503
    title = "Audit trail unavailable"


class AuditObserver(Protocol):
    def on_checkpoint(self, *, timestamped: bool) -> None: ...

    def on_tsa(self, *, up: bool) -> None: ...


class _NoObserver:
    def on_checkpoint(self, *, timestamped: bool) -> None:
        pass

    def on_tsa(self, *, up: bool) -> None:
        pass


@dataclass(frozen=True)
class ChangeRecord:
    """A fact recorded at start when it differs from the last one recorded
    (``config-change`` with the config digest, ``key-change`` with fingerprints)."""

    action: str
    details: Mapping[str, Any]


class Checkpointer:
    """A background part of the node (start/stop); one per process. Several
    processes on one PostgreSQL database each sign the shared chain's head."""

    def __init__(
        self,
        *,
        store: Store,
        signer: CheckpointSigner,
        clock: Clock,
        node: str,
        interval: timedelta,
        timestamper: Timestamper | None = None,
        tsa_policy: TsaPolicy = TsaPolicy.OPEN,
        observer: AuditObserver | None = None,
        changes: Sequence[ChangeRecord] = (),
    ) -> None:
        self._store = store
        self._signer = signer
        self._clock = clock
        self._node = node
        self._interval = interval
        self._tsa = timestamper
        self._policy = tsa_policy
        self._observer = observer or _NoObserver()
        self._changes = tuple(changes)
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.tsa_problem: str | None = None
        """Why the last timestamp request failed; None once one succeeded."""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        await self.record_changes()
        await self._safe("start")
        self._task = asyncio.create_task(self._loop(), name="audit-checkpoints")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._safe("shutdown", force=True)  # marks the graceful stop even if covered

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval.total_seconds())
            await self._safe("interval")

    async def _safe(self, reason: str, *, force: bool = False) -> None:
        try:
            await self.checkpoint(reason, force=force)
        except StoreUnavailable as exc:
            log.warning("audit checkpoint (%s) not made: %s", reason, exc.detail)

    # ------------------------------------------------------------------ readiness, gate

    def readiness(self) -> str | None:
        """Why the node is not ready (TSA failing under policy "closed"), or None."""
        if self._policy is TsaPolicy.CLOSED and self.tsa_problem is not None:
            return f"audit timestamps failing (tsa_policy = closed): {self.tsa_problem}"
        return None

    def check_open(self) -> None:
        problem = self.readiness()
        if problem is not None:
            raise AuditUnavailable(f"the node accepts no message: {problem}")

    # ------------------------------------------------------------------ work

    async def record_changes(self) -> None:
        """Record each configured fact that differs from the last one recorded."""
        for change in self._changes:
            last = await self._store.last_audit_entry(change.action)
            if last is not None and dict(last.details) == dict(change.details):
                continue
            await self._store.append_audit(
                NewAuditEntry(self._clock.now(), "node", change.action, self._node, change.details)
            )
            log.info("audit: %s recorded", change.action)

    async def checkpoint(self, reason: str, *, force: bool = False) -> Checkpoint | None:
        """Sign the chain head now; None when nothing was stored (the head is
        already covered, or the TSA failed under policy "closed")."""
        async with self._lock:
            return await self._checkpoint(reason, force)

    async def _checkpoint(self, reason: str, force: bool) -> Checkpoint | None:
        entries, head = await self._store.audit_head()
        last = await self._store.last_checkpoint()
        timestamp_done = last is not None and (self._tsa is None or last.timestamp is not None)
        if (
            not force
            and last is not None
            and (last.entries, last.head) == (entries, head)
            and timestamp_done
        ):
            return None
        at = self._clock.now()
        payload = checkpoint_payload(
            node=self._node,
            entries=entries,
            head=head,
            at=at,
            reason=reason,
            previous=payload_digest(last.payload) if last is not None else None,
            signer=self._signer.fingerprint,
        )
        signature = await off_loop(self._signer.sign, payload.encode("utf-8"))
        token, error = await self._timestamp(signature)
        if error is not None and self._policy is TsaPolicy.CLOSED:
            log.error("audit checkpoint of %d entries not stored: %s", entries, error)
            return None
        record = NewCheckpoint(
            at=at,
            entries=entries,
            head=head,
            reason=reason,
            payload=payload,
            signature=base64.b64encode(signature).decode("ascii"),
            algorithm=self._signer.algorithm,
            certificates=self._signer.certificates_pem,
            timestamp=base64.b64encode(token).decode("ascii") if token is not None else None,
            timestamp_error=error,
        )
        checkpoint_id = await self._store.add_checkpoint(record)
        self._observer.on_checkpoint(timestamped=token is not None)
        log.info(
            "audit checkpoint %d (%s): %d entries, head %s%s",
            checkpoint_id,
            reason,
            entries,
            head,
            "" if token is not None else f" (no timestamp: {error})" if error else "",
        )
        return Checkpoint(**{**record.__dict__, "id": checkpoint_id})

    async def _timestamp(self, signature: bytes) -> tuple[bytes | None, str | None]:
        if self._tsa is None:
            return None, None
        try:
            token = await self._tsa.stamp(signature)
        except Exception as exc:  # noqa: BLE001 - any TSA failure is reported, never raised
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            problem = f"TSA failed: {type(exc).__name__}: {reason}"
            if self.tsa_problem is None:
                log.warning("audit: %s", problem)
            self.tsa_problem = problem
            self._observer.on_tsa(up=False)
            return None, problem
        if self.tsa_problem is not None:
            log.info("audit: the TSA answers again")
        self.tsa_problem = None
        self._observer.on_tsa(up=True)
        return token, None


class GatedExchange:
    """The exchange, refusing new messages while the checkpointer says the
    audit trail cannot be kept under policy "closed" (everything else passes)."""

    def __init__(self, inner: ExchangeApi, checkpointer: Checkpointer) -> None:
        self._inner = inner
        self._checkpointer = checkpointer

    async def submit(
        self,
        body: IncomingBody,
        *,
        principal: DmsPrincipal,
        kind: MessageKind,
        idempotency_key: str | None = None,
    ) -> SubmitResult:
        await self._gate(body)
        return await self._inner.submit(
            body, principal=principal, kind=kind, idempotency_key=idempotency_key
        )

    async def receive(
        self, body: IncomingBody, *, peer: PeerPrincipal, meta: TransferMeta
    ) -> SubmitResult:
        await self._gate(body)
        return await self._inner.receive(body, peer=peer, meta=meta)

    async def _gate(self, body: IncomingBody) -> None:
        try:
            self._checkpointer.check_open()
        except AuditUnavailable:
            if body.data is None:
                await asyncio.to_thread(body.path.unlink, missing_ok=True)  # ours now
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
