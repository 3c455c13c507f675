"""Delivery workers: claim due deliveries (urgent first), hand each to the
Transport, record what happened. Several processes may run workers on one
PostgreSQL database: claims are leased, so a delivery is in one worker's hands
at a time, and a crashed worker's deliveries come back when the lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from node.engine.notices import failure_notice
from node.engine.observer import EngineObserver
from node.engine.settings import EngineSettings
from node.engine.statuses import StatusWriter
from node.errors import LienthongError, StoreUnavailable
from node.ports.api import AttemptView
from node.ports.driven import (
    Clock,
    DeliveryOutcome,
    Destination,
    DestinationKind,
    Direction,
    Hop,
    Outcome,
    TransferMeta,
    Transport,
)
from node.store.port import Store
from node.store.records import ClaimedDelivery, NewAuditEntry

log = logging.getLogger("lienthong.engine.workers")

HOLD_MARGIN = timedelta(minutes=1)
"""Deliveries held back behind an unreachable destination's probe come due this
long after it (at least the first retry delay): a probe that hangs until its
connect timeout must not release the whole queue into the same failure."""


@dataclass(eq=False, kw_only=True)
class DeliveryWorkers:
    settings: EngineSettings
    store: Store
    transport: Transport
    clock: Clock
    observer: EngineObserver
    rng: random.Random
    statuses: StatusWriter
    wakeup: asyncio.Event
    """Set by whoever stores deliveries (an accept, a resend): claim at once."""

    def __post_init__(self) -> None:
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._stopping = asyncio.Event()
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._down: set[Destination] = set()
        """Destinations this process found unreachable and held back."""

    # ------------------------------------------------------------------ lifecycle

    @property
    def running(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._loop_task = asyncio.create_task(self._run(), name="lienthong-delivery-workers")

    async def stop(self) -> None:
        """Stop claiming, let in-flight deliveries finish (up to ``stop_grace``),
        cancel the rest and give their leases back."""
        self._stopping.set()
        self.wakeup.set()
        if self._loop_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        await self._drain(self.settings.stop_grace.total_seconds())

    def wake(self) -> None:
        self.wakeup.set()

    async def run_once(self) -> int:
        """Claim what is due now and deliver it (for tests and tools); the number claimed."""
        claimed = await self._claim(self.settings.claim_batch)
        await asyncio.gather(*(self._deliver(c) for c in claimed))
        return len(claimed)

    # ------------------------------------------------------------------ loop

    async def _run(self) -> None:
        settings = self.settings
        renew_every = settings.lease.total_seconds() / 3
        last_renewal = time.monotonic()
        while not self._stopping.is_set():
            self.wakeup.clear()
            free = settings.concurrency - len(self._inflight)
            claimed: tuple[ClaimedDelivery, ...] = ()
            if free > 0:
                try:
                    claimed = await self._claim(min(free, settings.claim_batch))
                except StoreUnavailable as exc:
                    log.warning("cannot claim deliveries: %s", exc.detail)
                except Exception:  # keep delivering whatever went wrong
                    log.exception("claiming deliveries failed")
            for c in claimed:
                task = asyncio.create_task(self._deliver(c), name=f"delivery-{c.id}")
                self._inflight[c.id] = task
                task.add_done_callback(functools.partial(self._finished, c.id))
            if time.monotonic() - last_renewal >= renew_every:
                await self._renew()
                last_renewal = time.monotonic()
            if claimed and len(claimed) == min(free, settings.claim_batch):
                continue  # more may be due: claim again at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.wakeup.wait(), min(settings.poll_interval.total_seconds(), renew_every)
                )

    def _finished(self, delivery_id: str, _task: asyncio.Task[None]) -> None:
        self._inflight.pop(delivery_id, None)
        self.wakeup.set()

    async def _claim(self, limit: int) -> tuple[ClaimedDelivery, ...]:
        return await self.store.claim_due_deliveries(
            owner=self.owner, now=self.clock.now(), lease=self.settings.lease, limit=limit
        )

    async def _renew(self) -> None:
        if not self._inflight:
            return
        until = self.clock.now() + self.settings.lease
        try:
            await self.store.extend_leases(list(self._inflight), owner=self.owner, until=until)
        except StoreUnavailable as exc:
            log.warning("cannot renew leases: %s", exc.detail)

    async def _drain(self, grace: float) -> None:
        tasks = dict(self._inflight)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks.values(), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        unfinished = [cid for cid, task in tasks.items() if task in pending]
        if unfinished:
            try:
                await self.store.release(unfinished, owner=self.owner, now=self.clock.now())
            except StoreUnavailable as exc:
                log.warning("leases not released (they expire on their own): %s", exc.detail)

    # ------------------------------------------------------------------ one delivery

    async def _deliver(self, c: ClaimedDelivery) -> None:
        try:
            await self._attempt(c)
        except LienthongError as exc:
            # The lease will expire and another attempt will be made: never lost.
            log.warning(
                "delivery %s of message %s not recorded: %s", c.id, c.message.id, exc.detail
            )

    async def _attempt(self, c: ClaimedDelivery) -> None:
        body = self.store.body_of(c.message)  # the claim carries the record: no query
        out = Hop(self.settings.node_organ, self.clock.now(), Direction.OUT)
        meta = TransferMeta(_wire_id(c), c.message.kind, c.recipients, (*c.hops, out))
        started = time.monotonic()
        try:
            result = await self.transport.send(c.destination, meta, body)
        except Exception as exc:  # noqa: BLE001 - a transport must not raise; if one does, retry
            result = DeliveryOutcome(
                Outcome.TRANSIENT, f"transport error: {type(exc).__name__}: {exc}"
            )
        self.observer.on_attempt(c.destination, result.outcome, time.monotonic() - started)
        now = self.clock.now()
        attempt = AttemptView(
            now, result.outcome, result.detail or result.outcome.value, result.http_status
        )
        if result.outcome in (Outcome.DELIVERED, Outcome.DUPLICATE):
            hop = out if c.destination.kind is DestinationKind.PEER else None
            kept = await self.store.mark_delivered(c.id, owner=self.owner, attempt=attempt, hop=hop)
            if c.destination in self._down or c.attempts_in_window > 0:
                await self._resume(c.destination, now)  # it may have held others back
        elif result.outcome is Outcome.TRANSIENT:
            kept = await self._retry_or_give_up(c, attempt, down=result.destination_down)
        else:
            kept = await self._dead_letter(c, attempt, attempt.detail)
        if not kept:
            self.observer.on_lease_lost(c.id)

    async def _retry_or_give_up(
        self, c: ClaimedDelivery, attempt: AttemptView, *, down: bool
    ) -> bool:
        policy = self.settings.retry
        attempts = c.attempts_in_window + 1
        next_at = policy.next_attempt_at(
            attempts=attempts, created_at=c.retry_from, now=attempt.at, rng=self.rng
        )
        if next_at is None:
            reason = (
                f"gave up after {attempts} attempt(s) over {policy.max_age}: "
                f"last error {attempt.detail}"
            )
            return await self._dead_letter(c, attempt, reason)
        kept = await self.store.record_attempt(
            c.id, owner=self.owner, attempt=attempt, next_attempt_at=next_at
        )
        if down and kept:
            until = next_at + max(policy.initial, HOLD_MARGIN)
            await self._hold_back(c, until, attempt.detail)
        return kept

    async def _hold_back(self, c: ClaimedDelivery, until: datetime, why: str) -> None:
        """One probe per backoff step instead of one failed attempt per queued
        delivery: this delivery's next attempt probes the destination, its other
        pending deliveries wait behind it; the probe's success releases them
        (:meth:`_resume`), in whichever process makes it."""
        destination = c.destination
        try:
            held = await self.store.postpone_destination(destination, until=until, probe=c.id)
        except StoreUnavailable as exc:  # the attempt is recorded; holding back is an economy
            log.warning("cannot hold back deliveries to %s: %s", destination.name, exc.detail)
            return
        if destination not in self._down:
            self._down.add(destination)
            log.warning(
                "%s %s unreachable (%s): %d other deliveries held back until %s",
                destination.kind.value,
                destination.name,
                why,
                max(held - 1, 0),  # the probe itself is not held
                until.isoformat(timespec="seconds"),
            )

    async def _resume(self, destination: Destination, now: datetime) -> None:
        try:
            resumed = await self.store.resume_destination(destination, now=now)
        except StoreUnavailable as exc:  # held-back deliveries come due on their own
            log.warning("cannot resume deliveries to %s: %s", destination.name, exc.detail)
            return
        was_down = destination in self._down
        self._down.discard(destination)
        if not (resumed or was_down):
            return
        log.info(
            "%s %s reachable again: %d held-back deliveries resume",
            destination.kind.value,
            destination.name,
            resumed,
        )

    async def _dead_letter(self, c: ClaimedDelivery, attempt: AttemptView, reason: str) -> bool:
        notice = await failure_notice(self.settings, self.statuses, c, reason)
        audit = NewAuditEntry(
            attempt.at,
            "node",
            "dead-letter",
            c.message.id,
            {
                "delivery": c.id,
                "destination": f"{c.destination.kind} {c.destination.name}",
                "recipients": list(c.recipients),
                "attempts": c.attempts + 1,
                "reason": reason,
                "notice": notice.id if notice else None,
            },
        )
        kept = await self.store.dead_letter(
            c.id, owner=self.owner, attempt=attempt, notice=notice, audit=audit
        )
        if kept:
            self.observer.on_dead_letter(c.destination, reason)
            if notice is not None and notice.deliveries:
                self.wake()
        return kept


def _wire_id(c: ClaimedDelivery) -> str:
    """The message id a transfer carries. Peers get the origin's id (identical
    on every node and redelivery: their dedup key); a local DMS (webhook, drop
    folder) gets this node's id, the one it fetches and acknowledges with."""
    if c.destination.kind is DestinationKind.PEER:
        return c.message.origin_id
    return c.message.id
