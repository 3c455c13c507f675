"""SQLite write transactions (run on the database thread)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime

from node.ports.api import AttemptView
from node.ports.driven import Destination, DestinationKind, Hop
from node.store.audit import (
    GENESIS,
    canonical_details,
    delivery_entry,
    entry_hash,
    message_entries,
)
from node.store.records import (
    AcceptOutcome,
    AckResult,
    ClaimedDelivery,
    DeliveryState,
    KeyHit,
    MessageState,
    NewAuditEntry,
    NewCheckpoint,
    NewMessage,
)
from node.store.rows import destination, hop, iso, join_organs, message_record
from node.store.sqlite.connection import transaction

Queries = Mapping[str, str]


class _Duplicate(Exception):
    def __init__(self, hit: KeyHit) -> None:
        self.hit = hit


def find_key(conn: sqlite3.Connection, q: Queries, key: str) -> KeyHit | None:
    row = conn.execute(q["find_key"], {"key": key}).fetchone()
    if row is None:
        return None
    return KeyHit(row["key"], row["message_id"], row["document_id"], row["sha256"])


def accept(conn: sqlite3.Connection, q: Queries, messages: Sequence[NewMessage]) -> AcceptOutcome:
    try:
        with transaction(conn):
            for message in messages:
                for key in message.keys:
                    hit = find_key(conn, q, key)
                    if hit is not None:
                        raise _Duplicate(hit)
            for message in messages:
                insert_message(conn, q, message)
            for message in messages:
                audit_message(conn, q, message)
    except _Duplicate as dup:
        return AcceptOutcome(duplicate_of=dup.hit)
    return AcceptOutcome()


def insert_message(conn: sqlite3.Connection, q: Queries, m: NewMessage) -> None:
    at = iso(m.received_at)
    conn.execute(
        q["insert_message"],
        {
            "id": m.id,
            "origin_id": m.origin_id,
            "kind": m.kind.value,
            "document_id": m.document_id,
            "sender": m.sender,
            "recipients": join_organs(m.recipients),
            "priority": m.priority,
            "status_code": m.status_code,
            "source": m.source.value,
            "source_name": m.source_name,
            "received_at": at,
            "size": m.size,
            "sha256": m.sha256,
            "state": (MessageState.PENDING if m.deliveries else MessageState.STORED).value,
            "due_date": m.due_date.isoformat() if m.due_date else None,
            "verification": json.dumps(dict(m.verification), default=str),
        },
    )
    for key in m.keys:
        conn.execute(q["insert_key"], {"key": key, "message_id": m.id})
    for h in m.hops:
        insert_hop(conn, q, m.id, h)
    for d in m.deliveries:
        conn.execute(
            q["insert_delivery"],
            {
                "id": d.id,
                "message_id": m.id,
                "kind": d.destination.kind.value,
                "destination": d.destination.name,
                "recipients": join_organs(d.recipients),
                "priority": m.priority,
                "now": at,
            },
        )
    for entry in m.inbox:
        conn.execute(
            q["insert_inbox"],
            {
                "message_id": m.id,
                "organ": entry.organ,
                "client_id": entry.client_id,
                "kind": m.kind.value,
                "from_organ": m.sender,
                "document_id": m.document_id,
                "received_at": at,
                "status_code": m.status_code,
            },
        )
    for s in m.statuses:
        conn.execute(
            q["insert_status"],
            {
                "document_id": s.document_id,
                "recipient": s.recipient,
                "code": s.code,
                "at": iso(s.at),
                "recorded_at": at,
                "description": s.description,
                "message_id": m.id,
            },
        )
    for recipient in m.tracked:
        conn.execute(
            q["insert_tracked"],
            {
                "document_id": m.document_id,
                "sender": m.sender,
                "recipient": recipient,
                "message_id": m.id,
                "stored_at": at,
                "due_date": m.due_date.isoformat() if m.due_date else None,
            },
        )
    for document_id, organ in m.inbox_removals:
        conn.execute(
            q["remove_from_inbox"],
            {"document_id": document_id, "organ": organ, "at": at, "message_id": m.id},
        )


def insert_hop(conn: sqlite3.Connection, q: Queries, message_id: str, h: Hop) -> None:
    conn.execute(
        q["insert_hop"],
        {"message_id": message_id, "node": h.node, "at": iso(h.at), "direction": h.direction.value},
    )


def claim(
    conn: sqlite3.Connection,
    q: Queries,
    *,
    owner: str,
    now: datetime,
    lease_until: datetime,
    limit: int,
) -> tuple[ClaimedDelivery, ...]:
    with transaction(conn):
        rows = conn.execute(
            q["claim_due"],
            {"owner": owner, "now": iso(now), "lease_until": iso(lease_until), "limit": limit},
        ).fetchall()
        if not rows:
            return ()
        ids = json.dumps(sorted({r["message_id"] for r in rows}))
        messages = {
            r["id"]: message_record(r) for r in conn.execute(q["messages_of_many"], {"ids": ids})
        }
        hops: dict[str, list[Hop]] = {}
        for r in conn.execute(q["hops_of_many"], {"ids": ids}):
            hops.setdefault(r["message_id"], []).append(hop(r))
    claimed = [
        ClaimedDelivery(
            id=r["id"],
            message=messages[r["message_id"]],
            destination=destination(r),
            recipients=tuple(o for o in r["recipients"].split(",") if o),
            attempts=int(r["attempts"]),
            created_at=datetime.fromisoformat(r["created_at"]),
            hops=tuple(hops.get(r["message_id"], ())),
            window_start=(
                None if r["window_start"] is None else datetime.fromisoformat(r["window_start"])
            ),
            window_attempts=int(r["window_attempts"]),
        )
        for r in rows
    ]
    claimed.sort(key=lambda c: -c.message.priority)
    return tuple(claimed)


def extend_leases(
    conn: sqlite3.Connection, q: Queries, ids: Sequence[str], *, owner: str, until: datetime
) -> None:
    with transaction(conn):
        for delivery_id in ids:
            conn.execute(
                q["extend_lease"], {"id": delivery_id, "owner": owner, "until": iso(until)}
            )


def release(
    conn: sqlite3.Connection, q: Queries, ids: Sequence[str], *, owner: str, now: datetime
) -> None:
    with transaction(conn):
        for delivery_id in ids:
            conn.execute(q["release"], {"id": delivery_id, "owner": owner, "now": iso(now)})


def move_destination(
    conn: sqlite3.Connection,
    q: Queries,
    query: str,
    destination: Destination,
    at: datetime,
    probe: str,
) -> int:
    """Hold back or resume the pending deliveries of one destination."""
    params = {
        "destination": destination.name,
        "kind": destination.kind.value,
        "until": iso(at),
        "now": iso(at),
        "probe": probe,
    }
    with transaction(conn):
        return conn.execute(q[query], params).rowcount


def _insert_attempt(
    conn: sqlite3.Connection, q: Queries, delivery_id: str, seq: int, attempt: AttemptView
) -> None:
    conn.execute(
        q["insert_attempt"],
        {
            "delivery_id": delivery_id,
            "seq": seq,
            "at": iso(attempt.at),
            "outcome": attempt.outcome.value,
            "detail": attempt.detail,
            "http_status": attempt.http_status,
        },
    )


def record_attempt(
    conn: sqlite3.Connection,
    q: Queries,
    delivery_id: str,
    *,
    owner: str,
    attempt: AttemptView,
    next_attempt_at: datetime,
) -> bool:
    with transaction(conn):
        row = conn.execute(
            q["attempt_failed"],
            {
                "id": delivery_id,
                "owner": owner,
                "next": iso(next_attempt_at),
                "error": attempt.detail,
            },
        ).fetchone()
        if row is None:
            return False
        _insert_attempt(conn, q, delivery_id, int(row["attempts"]), attempt)
    return True


def finish(
    conn: sqlite3.Connection,
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
    """Delivered or dead: one transaction with the hop, push marks, notice, audit."""
    with transaction(conn):
        row = conn.execute(
            q["attempt_finished"],
            {
                "id": delivery_id,
                "owner": owner,
                "state": state.value,
                "error": None if state is DeliveryState.DELIVERED else attempt.detail,
                "at": iso(attempt.at),
            },
        ).fetchone()
        if row is None:
            return False
        message_id = row["message_id"]
        _insert_attempt(conn, q, delivery_id, int(row["attempts"]), attempt)
        if hop_out is not None:
            insert_hop(conn, q, message_id, hop_out)
        if state is DeliveryState.DELIVERED and row["kind"] != DestinationKind.PEER.value:
            conn.execute(
                q["inbox_pushed"],
                {"message_id": message_id, "client_id": row["destination"], "at": iso(attempt.at)},
            )
        conn.execute(q["refresh_message_state"], {"message_id": message_id})
        if notice is not None:
            insert_message(conn, q, notice)
            audit_message(conn, q, notice)
        if state is DeliveryState.DELIVERED:
            entry = delivery_entry(
                at=attempt.at,
                message_id=message_id,
                delivery_id=delivery_id,
                kind=row["kind"],
                destination=row["destination"],
                owner=owner,
            )
            append_audit(conn, q, entry)
        if audit is not None:
            append_audit(conn, q, audit)
    return True


def resend(
    conn: sqlite3.Connection, q: Queries, message_id: str, *, now: datetime, audit: NewAuditEntry
) -> list[str]:
    with transaction(conn):
        ids = [
            r["id"] for r in conn.execute(q["resend"], {"message_id": message_id, "now": iso(now)})
        ]
        if ids:
            conn.execute(q["refresh_message_state"], {"message_id": message_id})
            append_audit(conn, q, audit)
    return ids


def ack(
    conn: sqlite3.Connection,
    q: Queries,
    message_id: str,
    organs: Sequence[str],
    *,
    at: datetime,
    actor: str,
) -> AckResult:
    params = {"message_id": message_id, "organs": json.dumps(list(organs))}
    with transaction(conn):
        rows = conn.execute(q["inbox_rows_of_message"], params).fetchall()
        if not rows:
            return AckResult.NOT_FOUND
        if all(r["acked_at"] is not None for r in rows):
            return AckResult.ALREADY
        conn.execute(q["ack"], {**params, "at": iso(at)})
        append_audit(
            conn,
            q,
            NewAuditEntry(at, actor, "ack", message_id, {"organs": sorted(organs)}),
        )
    return AckResult.ACKED


def append_audit(conn: sqlite3.Connection, q: Queries, entry: NewAuditEntry) -> None:
    """Append inside the caller's transaction (BEGIN IMMEDIATE serialises appends)."""
    last = conn.execute(q["audit_last"]).fetchone()
    seq = 1 if last is None else int(last["seq"]) + 1
    prev = GENESIS if last is None else last["hash"]
    conn.execute(
        q["audit_insert"],
        {
            "seq": seq,
            "at": iso(entry.at),
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "details": canonical_details(entry.details),
            "prev_hash": prev,
            "hash": entry_hash(
                seq=seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                details=entry.details,
                prev_hash=prev,
            ),
        },
    )


def audit_message(conn: sqlite3.Connection, q: Queries, m: NewMessage) -> None:
    for entry in message_entries(m):
        append_audit(conn, q, entry)


def append_audit_tx(conn: sqlite3.Connection, q: Queries, entry: NewAuditEntry) -> None:
    with transaction(conn):
        append_audit(conn, q, entry)


def insert_checkpoint(conn: sqlite3.Connection, q: Queries, c: NewCheckpoint) -> int:
    with transaction(conn):
        row = conn.execute(
            q["checkpoint_insert"],
            {
                "at": iso(c.at),
                "entries": c.entries,
                "head": c.head,
                "reason": c.reason,
                "payload": c.payload,
                "signature": c.signature,
                "algorithm": c.algorithm,
                "certificates": c.certificates,
                "timestamp": c.timestamp,
                "timestamp_error": c.timestamp_error,
            },
        ).fetchone()
    return int(row["id"])
