"""Filling a node's store in bulk (the node stopped): finished history for
``scale``, and pending deliveries with real bodies for ``backlog``."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from node.store.records import new_id

BATCH = 50_000
AT = datetime(2026, 1, 1, tzinfo=UTC)


def _iso(v: Any) -> Any:
    return v.isoformat(timespec="microseconds") if isinstance(v, datetime) else v


def history(n: int, sender: str, recipient: str) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """Batches of rows for ``n`` delivered documents: message, hop, delivery, key."""
    for start in range(0, n, BATCH):
        rows: dict[str, list[tuple[Any, ...]]] = {"m": [], "h": [], "d": [], "k": []}
        for i in range(start, min(n, start + BATCH)):
            mid = f"{i:012x}{os.urandom(10).hex()}"
            when = AT + timedelta(milliseconds=i)
            doc = f"{sender},2026/01/01,{i}/SEED"
            rows["m"].append(
                (mid, mid, "document", doc, sender, recipient, 0, "dms", "dms-seed", when,
                 20_000, "0" * 64, "delivered")
            )  # fmt: skip
            rows["h"].append((mid, 0, sender, when, "in"))
            rows["d"].append(
                (f"d{mid}", mid, "peer", "seed-peer", recipient, 0, "delivered", None, when,
                 None, 1, when)
            )  # fmt: skip
            rows["k"].append((f"doc|{doc}|{sender}|{recipient}", mid))
        yield rows


M_COLS = (
    "id, origin_id, kind, document_id, sender, recipients, priority, source, source_name, "
    "received_at, size, sha256, state"
)
D_COLS = (
    "id, message_id, kind, destination, recipients, priority, state, due_at, created_at, "
    "next_attempt_at, attempts, finished_at"
)


def seed_sqlite(db: Path, n: int, sender: str, recipient: str) -> None:
    conn = sqlite3.connect(db)
    try:
        for rows in history(n, sender, recipient):
            with conn:
                for table, cols, key in (
                    ("messages", M_COLS, "m"),
                    ("hops", "message_id, seq, node, at, direction", "h"),
                    ("deliveries", D_COLS, "d"),
                    ("idempotency_keys", "key, message_id", "k"),
                ):
                    marks = ",".join("?" * len(rows[key][0]))
                    conn.executemany(
                        f"INSERT INTO {table} ({cols}) VALUES ({marks})",
                        ([_iso(v) for v in row] for row in rows[key]),
                    )
    finally:
        conn.close()


async def seed_postgres(dsn: str, schema: str, n: int, sender: str, recipient: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        for rows in history(n, sender, recipient):
            for table, cols, key in (
                ("messages", M_COLS, "m"),
                ("hops", "message_id, seq, node, at, direction", "h"),
                ("deliveries", D_COLS, "d"),
                ("idempotency_keys", "key, message_id", "k"),
            ):
                await conn.copy_records_to_table(
                    table, records=rows[key], columns=[c.strip() for c in cols.split(",")]
                )
        # settle before measuring: autovacuum would otherwise run during it
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def clone_pending_sqlite(db: Path, blobs: Path, total: int, now: datetime) -> int:
    """Copy the node's pending documents until ``total`` deliveries are pending,
    each copy a new message id (body hard-linked), all due at ``now``."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        originals = conn.execute(
            "SELECT m.* FROM messages m JOIN deliveries d ON d.message_id = m.id "
            "WHERE d.state = 'pending' AND m.kind = 'document'"
        ).fetchall()
        deliveries = {
            r["message_id"]: r
            for r in conn.execute("SELECT * FROM deliveries WHERE state = 'pending'")
        }
        if not originals:
            raise RuntimeError("backlog: nothing pending to copy")
        inline = {
            r["message_id"]: r["data"]
            for r in conn.execute("SELECT message_id, data FROM message_bodies")
        }
        conn.execute(
            "UPDATE deliveries SET due_at = ?, next_attempt_at = ? WHERE state = 'pending'",
            (_iso(now), _iso(now)),
        )
        made = len(deliveries)
        i = 0
        while made < total:
            batch_m, batch_d, batch_b = [], [], []
            for _ in range(min(BATCH, total - made)):
                src = originals[i % len(originals)]
                i += 1
                mid = new_id()
                row = dict(src)
                row.pop("seq")
                row["id"] = row["origin_id"] = mid
                batch_m.append(row)
                d = dict(deliveries[src["id"]])
                d.update(id=new_id(), message_id=mid, due_at=_iso(now), attempts=0,
                         next_attempt_at=_iso(now), last_error=None)  # fmt: skip
                batch_d.append(d)
                if src["id"] in inline:  # a small body: a row of its own
                    batch_b.append({"message_id": mid, "data": inline[src["id"]]})
                else:
                    shard = blobs / mid[:2]
                    shard.mkdir(exist_ok=True)
                    os.link(blobs / src["id"][:2] / src["id"], shard / mid)
            with conn:
                for table, rows in (
                    ("messages", batch_m),
                    ("deliveries", batch_d),
                    ("message_bodies", batch_b),
                ):
                    if not rows:
                        continue
                    cols = list(rows[0])
                    conn.executemany(
                        f"INSERT INTO {table} ({', '.join(cols)}) "
                        f"VALUES ({', '.join(':' + c for c in cols)})",
                        rows,
                    )
            made += len(batch_d)
        conn.commit()
        return made
    finally:
        conn.close()
