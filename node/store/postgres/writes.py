"""PostgreSQL write transactions (asyncpg; the caller owns connection and transaction)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from node.ports.api import AttemptView
from node.ports.driven import DestinationKind, Hop
from node.store.audit import (
    GENESIS,
    canonical_details,
    delivery_entry,
    entry_hash,
    message_entries,
)
from node.store.records import (
    AckResult,
    ClaimedDelivery,
    DeliveryState,
    KeyHit,
    MessageState,
    NewAuditEntry,
    NewCheckpoint,
    NewMessage,
)
from node.store.rows import (
    destination,
    hop,
    join_organs,
    message_record,
    opt_ts,
    split_organs,
    ts,
)

Queries = Mapping[str, str]
Conn = Any
CHUNK = 1 << 20


async def find_keys(conn: Conn, q: Queries, keys: Sequence[str]) -> dict[str, KeyHit]:
    rows = await conn.fetch(q["find_keys"], list(keys))
    return {
        r["key"]: KeyHit(r["key"], r["message_id"], r["document_id"], r["sha256"]) for r in rows
    }


async def _read_chunk(handle: Any) -> bytes:
    data: bytes = await asyncio.to_thread(handle.read, CHUNK)
    return data


async def insert_blob(conn: Conn, q: Queries, message_id: str, body: Path | bytes) -> None:
    if isinstance(body, bytes):
        for seq, start in enumerate(range(0, max(len(body), 1), CHUNK)):
            await conn.execute(q["insert_blob"], message_id, seq, body[start : start + CHUNK])
        return
    handle = await asyncio.to_thread(open, body, "rb")
    try:
        seq = 0
        while True:
            chunk = await _read_chunk(handle)
            if not chunk and seq > 0:
                break
            await conn.execute(q["insert_blob"], message_id, seq, chunk)
            seq += 1
            if not chunk:
                break
    finally:
        handle.close()


async def insert_message(conn: Conn, q: Queries, m: NewMessage) -> None:
    await conn.execute(
        q["insert_message"],
        m.id,
        m.origin_id,
        m.kind.value,
        m.document_id,
        m.sender,
        join_organs(m.recipients),
        m.priority,
        m.status_code,
        m.source.value,
        m.source_name,
        m.received_at,
        m.size,
        m.sha256,
        (MessageState.PENDING if m.deliveries else MessageState.STORED).value,
        m.due_date,
        json.dumps(dict(m.verification), default=str),
    )
    await insert_blob(conn, q, m.id, m.body)
    if m.keys:
        await conn.executemany(q["insert_key"], [(key, m.id) for key in m.keys])
    for h in m.hops:
        await insert_hop(conn, q, m.id, h)
    if m.deliveries:
        await conn.executemany(
            q["insert_delivery"],
            [
                (
                    d.id,
                    m.id,
                    d.destination.kind.value,
                    d.destination.name,
                    join_organs(d.recipients),
                    m.priority,
                    m.received_at,
                )
                for d in m.deliveries
            ],
        )
    if m.inbox:
        await conn.executemany(
            q["insert_inbox"],
            [
                (
                    m.id,
                    e.organ,
                    e.client_id,
                    m.kind.value,
                    m.sender,
                    m.document_id,
                    m.received_at,
                    m.status_code,
                )
                for e in m.inbox
            ],
        )
    if m.statuses:
        await conn.executemany(
            q["insert_status"],
            [
                (s.document_id, s.recipient, s.code, s.at, m.received_at, s.description, m.id)
                for s in m.statuses
            ],
        )
    if m.tracked:
        await conn.executemany(
            q["insert_tracked"],
            [(m.document_id, m.sender, r, m.id, m.received_at, m.due_date) for r in m.tracked],
        )
    for document_id, organ in m.inbox_removals:
        await conn.execute(q["remove_from_inbox"], document_id, organ, m.received_at, m.id)


async def insert_hop(conn: Conn, q: Queries, message_id: str, h: Hop) -> None:
    await conn.execute(q["insert_hop"], message_id, h.node, h.at, h.direction.value)


async def claim(
    conn: Conn, q: Queries, *, owner: str, now: datetime, lease_until: datetime, limit: int
) -> tuple[ClaimedDelivery, ...]:
    rows = await conn.fetch(q["claim_due"], now, limit, owner, lease_until)
    if not rows:
        return ()
    ids = sorted({r["message_id"] for r in rows})
    messages = {r["id"]: message_record(r) for r in await conn.fetch(q["messages_of_many"], ids)}
    hops: dict[str, list[Hop]] = {}
    for r in await conn.fetch(q["hops_of_many"], ids):
        hops.setdefault(r["message_id"], []).append(hop(r))
    claimed = [
        ClaimedDelivery(
            id=r["id"],
            message=messages[r["message_id"]],
            destination=destination(r),
            recipients=split_organs(r["recipients"]),
            attempts=int(r["attempts"]),
            created_at=ts(r["created_at"]),
            hops=tuple(hops.get(r["message_id"], ())),
            window_start=opt_ts(r["window_start"]),
            window_attempts=int(r["window_attempts"]),
        )
        for r in rows
    ]
    claimed.sort(key=lambda c: -c.message.priority)
    return tuple(claimed)


async def insert_attempt(
    conn: Conn, q: Queries, delivery_id: str, seq: int, attempt: AttemptView
) -> None:
    await conn.execute(
        q["insert_attempt"],
        delivery_id,
        seq,
        attempt.at,
        attempt.outcome.value,
        attempt.detail,
        attempt.http_status,
    )


async def record_attempt(
    conn: Conn,
    q: Queries,
    delivery_id: str,
    *,
    owner: str,
    attempt: AttemptView,
    next_attempt_at: datetime,
) -> bool:
    row = await conn.fetchrow(
        q["attempt_failed"], delivery_id, owner, next_attempt_at, attempt.detail
    )
    if row is None:
        return False
    await insert_attempt(conn, q, delivery_id, int(row["attempts"]), attempt)
    return True


async def finish(
    conn: Conn,
    q: Queries,
    delivery_id: str,
    *,
    owner: str,
    attempt: AttemptView,
    state: DeliveryState,
    hop_out: Hop | None = None,
    notice: NewMessage | None = None,
    audit: NewAuditEntry | None = None,
) -> bool:
    error = None if state is DeliveryState.DELIVERED else attempt.detail
    row = await conn.fetchrow(
        q["attempt_finished"], delivery_id, owner, state.value, error, attempt.at
    )
    if row is None:
        return False
    message_id = row["message_id"]
    await insert_attempt(conn, q, delivery_id, int(row["attempts"]), attempt)
    if hop_out is not None:
        await insert_hop(conn, q, message_id, hop_out)
    if state is DeliveryState.DELIVERED and row["kind"] != DestinationKind.PEER.value:
        await conn.execute(q["inbox_pushed"], message_id, row["destination"], attempt.at)
    await conn.execute(q["refresh_message_state"], message_id)
    if notice is not None:
        await insert_message(conn, q, notice)
        await audit_message(conn, q, notice)
    if state is DeliveryState.DELIVERED:
        entry = delivery_entry(
            at=attempt.at,
            message_id=message_id,
            delivery_id=delivery_id,
            kind=row["kind"],
            destination=row["destination"],
            owner=owner,
        )
        await append_audit(conn, q, entry)
    if audit is not None:
        await append_audit(conn, q, audit)
    return True


async def resend(
    conn: Conn, q: Queries, message_id: str, *, now: datetime, audit: NewAuditEntry
) -> list[str]:
    ids = [r["id"] for r in await conn.fetch(q["resend"], message_id, now)]
    if ids:
        await conn.execute(q["refresh_message_state"], message_id)
        await append_audit(conn, q, audit)
    return ids


async def ack(
    conn: Conn, q: Queries, message_id: str, organs: Sequence[str], *, at: datetime, actor: str
) -> AckResult:
    rows = await conn.fetch(q["inbox_rows_of_message"], message_id, list(organs))
    if not rows:
        return AckResult.NOT_FOUND
    if all(r["acked_at"] is not None for r in rows):
        return AckResult.ALREADY
    await conn.execute(q["ack"], message_id, list(organs), at)
    await append_audit(
        conn, q, NewAuditEntry(at, actor, "ack", message_id, {"organs": sorted(organs)})
    )
    return AckResult.ACKED


async def audit_message(conn: Conn, q: Queries, m: NewMessage) -> None:
    """The entries of a stored message; call last in the transaction (the
    chain lock is held from the first append to the commit)."""
    for entry in message_entries(m):
        await append_audit(conn, q, entry)


async def append_audit(conn: Conn, q: Queries, entry: NewAuditEntry) -> None:
    """Append inside the caller's transaction; an advisory lock serialises appends."""
    await conn.execute(q["audit_lock"])
    last = await conn.fetchrow(q["audit_last"])
    seq = 1 if last is None else int(last["seq"]) + 1
    prev = GENESIS if last is None else last["hash"]
    digest = entry_hash(
        seq=seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        details=entry.details,
        prev_hash=prev,
    )
    await conn.execute(
        q["audit_insert"],
        seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.subject,
        canonical_details(entry.details),
        prev,
        digest,
    )


async def insert_checkpoint(conn: Conn, q: Queries, c: NewCheckpoint) -> int:
    value: int = await conn.fetchval(
        q["checkpoint_insert"],
        c.at,
        c.entries,
        c.head,
        c.reason,
        c.payload,
        c.signature,
        c.algorithm,
        c.certificates,
        c.timestamp,
        c.timestamp_error,
    )
    return value
