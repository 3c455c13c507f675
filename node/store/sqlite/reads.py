"""SQLite reads (run on the database thread)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime

from node.model import MessageKind
from node.ports.api import AuditCheck, InboxItem, QueueDepth, StatusView
from node.ports.driven import Hop
from node.store.audit import GENESIS, ChainVerifier
from node.store.records import (
    AuditEntry,
    Checkpoint,
    DeliveryRecord,
    FeedbackFact,
    MessageRecord,
    SearchFilter,
    StoreMetrics,
    TraceRecord,
)
from node.store.rows import (
    attempt,
    audit_entry,
    checkpoint,
    delivery_record,
    hop,
    iso,
    message_record,
    opt_date,
    queue_depth,
    split_organs,
    status_view,
    store_metrics,
    ts,
)
from node.store.sqlite.connection import transaction

Queries = Mapping[str, str]


def message(conn: sqlite3.Connection, q: Queries, message_id: str) -> MessageRecord | None:
    row = conn.execute(q["message"], {"id": message_id}).fetchone()
    return None if row is None else message_record(row)


def hops(conn: sqlite3.Connection, q: Queries, message_id: str) -> tuple[Hop, ...]:
    return tuple(hop(r) for r in conn.execute(q["hops"], {"message_id": message_id}))


def _with_attempts(
    conn: sqlite3.Connection, q: Queries, rows: Sequence[sqlite3.Row]
) -> tuple[DeliveryRecord, ...]:
    return tuple(
        delivery_record(
            r,
            [attempt(a) for a in conn.execute(q["attempts_of_delivery"], {"delivery_id": r["id"]})],
        )
        for r in rows
    )


def deliveries(conn: sqlite3.Connection, q: Queries, message_id: str) -> tuple[DeliveryRecord, ...]:
    with transaction(conn, write=False):
        rows = conn.execute(q["deliveries_of_message"], {"message_id": message_id}).fetchall()
        return _with_attempts(conn, q, rows)


def dead_letters(conn: sqlite3.Connection, q: Queries, limit: int) -> tuple[DeliveryRecord, ...]:
    with transaction(conn, write=False):
        rows = conn.execute(q["dead_letters"], {"limit": limit}).fetchall()
        return _with_attempts(conn, q, rows)


def trace(conn: sqlite3.Connection, q: Queries, message_id: str) -> TraceRecord | None:
    with transaction(conn, write=False):
        row = conn.execute(q["message"], {"id": message_id}).fetchone()
        if row is None:
            return None
        record = message_record(row)
        rows = conn.execute(q["deliveries_of_message"], {"message_id": message_id}).fetchall()
        statuses = tuple(
            status_view(r)
            for r in conn.execute(q["statuses_of_document"], {"document_id": record.document_id})
        )
        return TraceRecord(
            record, hops(conn, q, message_id), _with_attempts(conn, q, rows), statuses
        )


def search(
    conn: sqlite3.Connection, q: Queries, where: SearchFilter, limit: int, after: int | None
) -> tuple[tuple[MessageRecord, ...], int | None]:
    rows = conn.execute(
        q["search"],
        {
            "state": where.state,
            "organ": where.organ,
            "since": iso(where.since) if where.since else None,
            "until": iso(where.until) if where.until else None,
            "document_id": where.document_id,
            "status_code": where.status_code,
            "after": after,
            "limit": limit + 1,
        },
    ).fetchall()
    records = tuple(message_record(r) for r in rows[:limit])
    more = len(rows) > limit
    return records, (records[-1].seq if more and records else None)


def inbox(
    conn: sqlite3.Connection, q: Queries, organs: Sequence[str], limit: int, after: int | None
) -> tuple[tuple[InboxItem, ...], int | None]:
    rows = conn.execute(
        q["inbox"], {"organs": json.dumps(list(organs)), "after": after or 0, "limit": limit + 1}
    ).fetchall()
    items = tuple(
        InboxItem(
            id=r["message_id"],
            kind=MessageKind(r["kind"]),
            from_=r["from_organ"],
            document_id=r["document_id"],
            received_at=ts(r["received_at"]),
            status_code=r["status_code"],
            organ=r["organ"],
        )
        for r in rows[:limit]
    )
    more = len(rows) > limit
    return items, (int(rows[limit - 1]["seq"]) if more and limit > 0 else None)


def in_inbox_of(
    conn: sqlite3.Connection, q: Queries, message_id: str, organs: Sequence[str]
) -> bool:
    params = {"message_id": message_id, "organs": json.dumps(list(organs))}
    return conn.execute(q["inbox_rows_of_message"], params).fetchone() is not None


def status_history(
    conn: sqlite3.Connection, q: Queries, document_id: str, recipient: str
) -> tuple[StatusView, ...]:
    params = {"document_id": document_id, "recipient": recipient}
    return tuple(status_view(r) for r in conn.execute(q["status_history"], params))


def document_recipients(
    conn: sqlite3.Connection, q: Queries, document_id: str, sender: str
) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for r in conn.execute(q["document_recipients"], {"document_id": document_id, "sender": sender}):
        found.update(dict.fromkeys(split_organs(r["recipients"])))
    return tuple(found)


def documents(conn: sqlite3.Connection, q: Queries, document_id: str) -> tuple[MessageRecord, ...]:
    rows = conn.execute(q["documents"], {"document_id": document_id}).fetchall()
    return tuple(message_record(r) for r in rows)


def feedback_facts(
    conn: sqlite3.Connection, q: Queries, organ: str | None, since: datetime | None
) -> tuple[FeedbackFact, ...]:
    params = {"organ": organ, "since": iso(since) if since else None}
    with transaction(conn, write=False):
        statuses: dict[tuple[str, str], list[StatusView]] = {}
        for r in conn.execute(q["statuses_of_tracked"], params):
            statuses.setdefault((r["document_id"], r["recipient"]), []).append(status_view(r))
        return tuple(
            FeedbackFact(
                document_id=r["document_id"],
                message_id=r["message_id"],
                sender=r["sender"],
                recipient=r["recipient"],
                stored_at=ts(r["stored_at"]),
                due_date=opt_date(r["due_date"]),
                statuses=tuple(statuses.get((r["document_id"], r["recipient"]), ())),
            )
            for r in conn.execute(q["feedback_facts"], params)
        )


def audit_entries(
    conn: sqlite3.Connection, q: Queries, limit: int, after: int | None
) -> tuple[AuditEntry, ...]:
    rows = conn.execute(q["audit_page"], {"after": after or 0, "limit": limit})
    return tuple(audit_entry(r) for r in rows)


def verify_audit(conn: sqlite3.Connection, q: Queries, page: int = 1000) -> AuditCheck:
    verifier = ChainVerifier()
    with transaction(conn, write=False):
        after = 0
        while True:
            entries = audit_entries(conn, q, page, after)
            for entry in entries:
                verifier.feed(entry)
            if len(entries) < page:
                break
            after = entries[-1].seq
    return verifier.result()


def metrics(conn: sqlite3.Connection, q: Queries, now: datetime) -> StoreMetrics:
    with transaction(conn, write=False):
        counters = {r["name"]: int(r["n"]) for r in conn.execute(q["metrics_counters"])}
        oldest = conn.execute(q["metrics_oldest"]).fetchone()["oldest"]
    return store_metrics(counters, oldest, now)


def rows_exist(conn: sqlite3.Connection, q: Queries, ids: list[str]) -> set[str]:
    return {r["id"] for r in conn.execute(q["blob_ids_with_rows"], {"ids": json.dumps(ids)})}


def audit_head(conn: sqlite3.Connection, q: Queries) -> tuple[int, str]:
    row = conn.execute(q["audit_last"]).fetchone()
    return (0, GENESIS) if row is None else (int(row["seq"]), row["hash"])


def last_audit_of(conn: sqlite3.Connection, q: Queries, action: str) -> AuditEntry | None:
    row = conn.execute(q["audit_last_of_action"], {"action": action}).fetchone()
    return None if row is None else audit_entry(row)


def checkpoints(
    conn: sqlite3.Connection, q: Queries, limit: int, after: int | None
) -> tuple[Checkpoint, ...]:
    rows = conn.execute(q["checkpoint_page"], {"after": after or 0, "limit": limit})
    return tuple(checkpoint(r) for r in rows)


def last_checkpoint(conn: sqlite3.Connection, q: Queries) -> Checkpoint | None:
    row = conn.execute(q["checkpoint_last"]).fetchone()
    return None if row is None else checkpoint(row)


def queue_depths(conn: sqlite3.Connection, q: Queries) -> tuple[QueueDepth, ...]:
    return tuple(queue_depth(r) for r in conn.execute(q["queue_by_destination"]))


def audit_of(
    conn: sqlite3.Connection, q: Queries, subjects: Sequence[str], limit: int
) -> tuple[AuditEntry, ...]:
    rows = conn.execute(
        q["audit_of_subjects"], {"subjects": json.dumps(list(subjects)), "limit": limit}
    )
    return tuple(audit_entry(r) for r in rows)
