"""Engine throughput and claim cost, measured side by side in one run.

    python bench/engine.py            # 500 messages, 100 000 queued deliveries
    python bench/engine.py --quick    # 60 messages, 10 000 queued deliveries

For SQLite (temp dir) and PostgreSQL (LIENTHONG_TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test, in a schema of its own that is
dropped afterwards; skipped when unreachable):

- ``accept+deliver``: documents submitted through the engine (validation,
  dedup, routing, one transaction each, automatic 01 where local) by 8
  concurrent submitters, then delivered by the workers to a loopback fake peer
  that reads every byte and answers 202. Prints messages/s for each phase.
- ``claim``: the median time of one claim of 16 due deliveries (then released)
  when only those 16 are queued and when N are queued (seeded in bulk), and
  the ratio (the goal is flat: ~1).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from node.engine import Engine, EngineSettings  # noqa: E402
from node.ports.api import DmsPrincipal, IncomingBody  # noqa: E402
from node.ports.driven import (  # noqa: E402
    DeliveryOutcome,
    Destination,
    Outcome,
    StoredBody,
    SystemClock,
    TransferMeta,
    VerificationOutcome,
)
from node.routing import RoutingTable  # noqa: E402
from node.store import Store, store_from_url  # noqa: E402
from tests.support.messages import document  # noqa: E402

NODE = "000.00.00.H41"
LOCAL = "000.00.12.H41"
REMOTE = "000.00.00.G22"
PG_ENV = "LIENTHONG_TEST_POSTGRES_URL"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 16
WARMUP = 5


class LoopbackPeer:
    """A peer that reads every byte, checks the hash and answers 202."""

    def __init__(self) -> None:
        self.received = 0

    async def send(
        self, destination: Destination, meta: TransferMeta, body: StoredBody
    ) -> DeliveryOutcome:
        digest = hashlib.sha256()
        async for chunk in body.chunks():
            digest.update(chunk)
        if digest.hexdigest() != body.sha256:
            return DeliveryOutcome(Outcome.PERMANENT, "hash mismatch", 400)
        self.received += 1
        return DeliveryOutcome(Outcome.DELIVERED, "202", 202)


class Signer:
    in_process = True

    def __init__(self, organ_id: str) -> None:
        self.organ_id = organ_id

    def sign(self, xml: bytes) -> bytes:
        return xml


class Keys:
    def signer_for(self, organ_id: str) -> Signer:
        return Signer(organ_id)


class Verifier:
    def verify(self, path: Path, *, at: datetime | None = None) -> VerificationOutcome:
        return VerificationOutcome(accepted=True)

    async def averify(self, path: Path, *, at: datetime | None = None) -> VerificationOutcome:
        return self.verify(path, at=at)


def engine_for(store: Store) -> tuple[Engine, LoopbackPeer]:
    routing = RoutingTable({NODE: "dms-a", LOCAL: "dms-b"}, [("*.*.*.G22", "peer")], None, NODE)
    settings = EngineSettings(node_organ=NODE, routing=routing, concurrency=16, claim_batch=32)
    peer = LoopbackPeer()
    engine = Engine(
        settings, store=store, keys=Keys(), verifier=Verifier(), transport=peer, clock=SystemClock()
    )
    return engine, peer


async def accept_and_deliver(store: Store, spool: Path, messages: int) -> tuple[float, float]:
    engine, peer = engine_for(store)
    principal = DmsPrincipal("dms-a", frozenset({NODE}))
    bodies = [document(NODE, (REMOTE, LOCAL), number=10_000 + i)[0] for i in range(messages)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def submitter(n: int) -> None:
        i = 0
        while not queue.empty():
            data = queue.get_nowait()
            path = spool / f"s{n}-{i}.xml"
            i += 1
            path.write_bytes(data)
            incoming = IncomingBody(path, len(data), hashlib.sha256(data).hexdigest())
            await engine.exchange.submit(incoming, principal=principal, kind=_document_kind())

    started = time.perf_counter()
    await asyncio.gather(*(submitter(n) for n in range(8)))
    accepted = time.perf_counter() - started
    started = time.perf_counter()
    while peer.received < messages:
        if await engine.workers.run_once() == 0 and peer.received < messages:
            raise RuntimeError(f"only {peer.received} of {messages} delivered")
    delivered = time.perf_counter() - started
    return messages / accepted, messages / delivered


def _document_kind() -> Any:
    from node.model import MessageKind

    return MessageKind.DOCUMENT


async def time_claims(store: Store, rounds: int) -> float:
    """Median milliseconds of one claim of 16 (then released, so the queue stays)."""
    now = datetime.now(UTC) + timedelta(days=1)
    samples = []
    for _ in range(rounds + WARMUP):
        started = time.perf_counter()
        claimed = await store.claim_due_deliveries(
            owner="bench", now=now, lease=timedelta(minutes=5), limit=BATCH
        )
        samples.append((time.perf_counter() - started) * 1000)
        await store.release([c.id for c in claimed], owner="bench", now=now - timedelta(days=2))
    return statistics.median(samples[WARMUP:])


def _rows(n: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    messages, deliveries = [], []
    for i in range(n):
        mid = f"bench{i:012d}{secrets.token_hex(4)}"
        when = at + timedelta(milliseconds=i)
        messages.append(
            (
                mid,
                mid,
                "document",
                f"D{i}",
                NODE,
                REMOTE,
                0,
                "dms",
                "dms-a",
                when,
                10,
                "0" * 64,
                "pending",
            )
        )
        deliveries.append(
            (
                f"d{mid}",
                mid,
                "peer",
                "peer",
                REMOTE,
                (i % 4 == 0 and 1) or 0,
                "pending",
                when,
                when,
                when,
            )
        )
    return messages, deliveries


async def seed_sqlite(path: Path, n: int) -> None:
    import sqlite3

    messages, deliveries = _rows(n)
    iso = lambda v: v.isoformat(timespec="microseconds") if isinstance(v, datetime) else v  # noqa: E731
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO messages (id, origin_id, kind, document_id, sender, recipients, "
            "priority, source, source_name, received_at, size, sha256, state) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            ([iso(v) for v in row] for row in messages),
        )
        conn.executemany(
            "INSERT INTO deliveries (id, message_id, kind, destination, recipients, priority, "
            "state, due_at, created_at, next_attempt_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            ([iso(v) for v in row] for row in deliveries),
        )
    conn.execute("ANALYZE")
    conn.close()


async def seed_postgres(dsn: str, schema: str, n: int) -> None:
    import asyncpg

    messages, deliveries = _rows(n)
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        await conn.copy_records_to_table(
            "messages",
            records=messages,
            columns=[
                "id",
                "origin_id",
                "kind",
                "document_id",
                "sender",
                "recipients",
                "priority",
                "source",
                "source_name",
                "received_at",
                "size",
                "sha256",
                "state",
            ],
        )
        await conn.copy_records_to_table(
            "deliveries",
            records=deliveries,
            columns=[
                "id",
                "message_id",
                "kind",
                "destination",
                "recipients",
                "priority",
                "state",
                "due_at",
                "created_at",
                "next_attempt_at",
            ],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def run_backend(
    name: str,
    url: str,
    seed: Callable[[int], Awaitable[None]],
    spool: Path,
    args: argparse.Namespace,
) -> None:
    store = store_from_url(url)
    await store.open()
    try:
        accept_rate, deliver_rate = await accept_and_deliver(store, spool, args.messages)
        print(
            f"{name} accept+deliver: {args.messages} documents, accept {accept_rate:.1f} msg/s, "
            f"deliver {deliver_rate:.1f} msg/s"
        )
    finally:
        await store.close()
    small = await _claims_after_seeding(url, seed, BATCH, args.rounds)
    full = await _claims_after_seeding(url, seed, args.queued - BATCH, args.rounds)
    print(
        f"{name} claim of {BATCH}: {BATCH} queued {small:.3f} ms, "
        f"{args.queued} queued {full:.3f} ms, ratio {full / small:.2f}"
    )


async def _claims_after_seeding(
    url: str, seed: Callable[[int], Awaitable[None]], more: int, rounds: int
) -> float:
    await seed(more)
    store = store_from_url(url)
    await store.open()
    try:
        return await time_claims(store, rounds)
    finally:
        await store.close()


async def main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="lienthong-bench-") as tmp:
        root = Path(tmp)
        spool = root / "spool"
        spool.mkdir()
        db = root / "sqlite" / "node.db"
        await run_backend("sqlite", f"sqlite://{db}", lambda n: seed_sqlite(db, n), spool, args)
        dsn = os.environ.get(PG_ENV, PG_DEFAULT)
        schema = f"lt_bench_{secrets.token_hex(5)}"
        try:
            import asyncpg

            admin = await asyncpg.connect(dsn, timeout=5)
        except Exception as exc:
            print(f"postgres: skipped ({type(exc).__name__}: {exc})")
            return 0
        try:
            await admin.execute(f'CREATE SCHEMA "{schema}"')
            await run_backend(
                "postgres",
                f"{dsn}?schema={schema}",
                lambda n: seed_postgres(dsn, schema, n),
                spool,
                args,
            )
        finally:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await admin.close()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small run (for the test suite)")
    args = parser.parse_args()
    args.messages = 60 if args.quick else 500
    args.queued = 10_000 if args.quick else 100_000
    args.rounds = 20 if args.quick else 50
    sys.exit(asyncio.run(main(args)))
