"""JSON Schemas (OpenAPI 3.1 components) of every body the node answers with:
exactly the shapes :mod:`adapters.http.views` produces."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


def items_of(schema: Schema) -> Schema:
    return obj({"items": {"type": "array", "items": schema}})


STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP: Schema = {"type": ["string", "null"], "format": "date-time"}
INTEGER: Schema = {"type": "integer"}
KIND: Schema = {"type": "string", "enum": ["document", "status"]}
STRINGS: Schema = {"type": "array", "items": STRING}

ISSUE = obj(
    {
        "line": {"type": ["integer", "null"]},
        "path": STRING,
        "message": STRING,
    }
)

PROBLEM: Schema = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": STRING,
        "status": INTEGER,
        "detail": STRING,
        "errors": {"type": "array", "items": ref("Issue")},
        "reasons": STRINGS,
        "incident": STRING,
    },
    "required": ["type", "title", "status", "detail"],
}

SUBMIT_RESULT = obj({"id": STRING, "document_id": STRING, "state": STRING})

INBOX_ITEM = obj(
    {
        "id": STRING,
        "kind": KIND,
        "from": STRING,
        "document_id": STRING,
        "received_at": TIMESTAMP,
        "status_code": NULLABLE_STRING,
    }
)
INBOX_PAGE = obj(
    {"items": {"type": "array", "items": ref("InboxItem")}, "next_cursor": NULLABLE_STRING}
)

HOP = obj({"node": STRING, "at": TIMESTAMP, "direction": {"type": "string", "enum": ["in", "out"]}})
ATTEMPT = obj(
    {
        "at": TIMESTAMP,
        "outcome": {"type": "string", "enum": ["delivered", "duplicate", "transient", "permanent"]},
        "detail": STRING,
        "http_status": {"type": ["integer", "null"]},
    }
)
DELIVERY = obj(
    {
        "id": STRING,
        "destination": obj(
            {"kind": {"type": "string", "enum": ["peer", "webhook", "drop-folder"]}, "name": STRING}
        ),
        "recipients": STRINGS,
        "state": STRING,
        "attempts": {"type": "array", "items": ref("Attempt")},
        "next_attempt_at": NULLABLE_TIMESTAMP,
        "last_error": NULLABLE_STRING,
        "message_id": NULLABLE_STRING,
        "held": {"type": "boolean"},
    }
)
STATUS = obj(
    {
        "recipient": STRING,
        "code": STRING,
        "at": TIMESTAMP,
        "description": NULLABLE_STRING,
        "message_id": NULLABLE_STRING,
    }
)
TRACE = obj(
    {
        "id": STRING,
        "document_id": STRING,
        "kind": KIND,
        "state": STRING,
        "sender": STRING,
        "recipients": STRINGS,
        "received_at": TIMESTAMP,
        "hops": {"type": "array", "items": ref("Hop")},
        "deliveries": {"type": "array", "items": ref("Delivery")},
        "statuses": {"type": "array", "items": ref("StatusEntry")},
    }
)
SUMMARY = obj(
    {
        "id": STRING,
        "kind": KIND,
        "document_id": STRING,
        "sender": STRING,
        "recipients": STRINGS,
        "state": STRING,
        "received_at": TIMESTAMP,
        "priority": INTEGER,
        "status_code": NULLABLE_STRING,
    }
)
MESSAGE_PAGE = obj(
    {"items": {"type": "array", "items": ref("MessageSummary")}, "next_cursor": NULLABLE_STRING}
)
MESSAGE_DETAIL = obj(
    {
        "summary": ref("MessageSummary"),
        "trace": ref("Trace"),
        "verification": {"type": "object", "description": "the verification report"},
    }
)
OVERDUE = obj(
    {
        "document_id": STRING,
        "message_id": STRING,
        "recipient": STRING,
        "expected": STRING,
        "due_at": TIMESTAMP,
        "last_code": NULLABLE_STRING,
    }
)
RATE: Schema = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
ORGAN_STATS = obj(
    {
        "organ": STRING,
        "documents": INTEGER,
        "arrived": INTEGER,
        "accepted": INTEGER,
        "refused": INTEGER,
        "done": INTEGER,
        "overdue": INTEGER,
        "on_time_rate": RATE,
        "completeness": RATE,
    }
)
_VERDICTS = ("on-time", "late", "overdue", "missed", "waiting", "met", "not-owed")
STAGE_COUNTS = obj({v: INTEGER for v in _VERDICTS})
REPORT_ORGAN = obj(
    {
        "organ": STRING,
        "documents": INTEGER,
        "arrival": STAGE_COUNTS,
        "acceptance": STAGE_COUNTS,
        "handling": STAGE_COUNTS,
        "on_time": INTEGER,
        "judged": INTEGER,
        "on_time_rate": RATE,
        "complete": INTEGER,
        "completeness": RATE,
        "overdue": INTEGER,
    }
)
REPORT_STAGE = obj(
    {
        "owed": {"type": "string", "enum": ["01", "03", "06"]},
        "verdict": {"type": "string", "enum": list(_VERDICTS)},
        "due_at": NULLABLE_TIMESTAMP,
        "at": NULLABLE_TIMESTAMP,
        "late_seconds": {"type": ["integer", "null"]},
    }
)
SUPERVISION_REPORT = obj(
    {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "organ": NULLABLE_STRING,
        "as_of": TIMESTAMP,
        "total": REPORT_ORGAN,
        "received": {"type": "array", "items": REPORT_ORGAN},
        "sent": {"type": "array", "items": REPORT_ORGAN},
        "overdue": {
            "type": "array",
            "items": obj(
                {
                    "document_id": STRING,
                    "message_id": STRING,
                    "sender": STRING,
                    "recipient": STRING,
                    "owed": STRING,
                    "due_at": TIMESTAMP,
                    "late_seconds": INTEGER,
                    "late": STRING,
                }
            ),
        },
        "timeline": {
            "type": "array",
            "items": obj(
                {
                    "day": {"type": "string", "format": "date"},
                    "received": INTEGER,
                    "overdue": INTEGER,
                }
            ),
        },
        "documents": {
            "type": "array",
            "items": obj(
                {
                    "document_id": STRING,
                    "message_id": STRING,
                    "sender": STRING,
                    "recipient": STRING,
                    "stored_at": TIMESTAMP,
                    "due_date": {"type": ["string", "null"], "format": "date"},
                    "stages": {"type": "array", "items": REPORT_STAGE},
                    "complete": {"type": "boolean"},
                    "last_code": NULLABLE_STRING,
                }
            ),
        },
    }
)
AUDIT_CHECK = obj(
    {
        "entries": INTEGER,
        "intact": {"type": "boolean"},
        "first_bad_entry": {"type": ["integer", "null"]},
        "detail": STRING,
    }
)
QUEUE = obj(
    {
        "destination": obj(
            {"kind": {"type": "string", "enum": ["peer", "webhook", "drop-folder"]}, "name": STRING}
        ),
        "queued": INTEGER,
        "in_flight": INTEGER,
        "held": INTEGER,
        "oldest_created_at": NULLABLE_TIMESTAMP,
    }
)
ROUTE = obj(
    {
        "pattern": STRING,
        "destination_kind": {"type": "string", "enum": ["peer", "dms"]},
        "destination": STRING,
    }
)
CERTIFICATE = obj(
    {
        "role": {"type": "string", "enum": ["tls", "tls-ca", "organ", "peer", "trust-anchor"]},
        "name": STRING,
        "subject": STRING,
        "issuer": STRING,
        "serial": STRING,
        "not_before": TIMESTAMP,
        "not_after": TIMESTAMP,
        "days_left": {"type": "number"},
        "sha256": STRING,
    }
)
PEER = obj({"name": STRING, "url": STRING, "organ_id": STRING, "certificate": ref("Certificate")})
HEALTH = obj({"status": {"type": "string", "enum": ["ok"]}})
READINESS = obj(
    {
        "status": {"type": "string", "enum": ["ready", "not-ready"]},
        "checks": {"type": "object", "additionalProperties": STRING},
    }
)

COMPONENT_SCHEMAS: dict[str, Schema] = {
    "Problem": PROBLEM,
    "Issue": ISSUE,
    "SubmitResult": SUBMIT_RESULT,
    "InboxItem": INBOX_ITEM,
    "InboxPage": INBOX_PAGE,
    "Hop": HOP,
    "Attempt": ATTEMPT,
    "Delivery": DELIVERY,
    "StatusEntry": STATUS,
    "Trace": TRACE,
    "MessageSummary": SUMMARY,
    "MessagePage": MESSAGE_PAGE,
    "MessageDetail": MESSAGE_DETAIL,
    "DeliveryList": items_of(ref("Delivery")),
    "ResendResult": obj({"deliveries": {"type": "array", "items": ref("Delivery")}}),
    "OverdueList": items_of(OVERDUE),
    "StatsList": items_of(ORGAN_STATS),
    "AuditCheck": AUDIT_CHECK,
    "SupervisionReport": SUPERVISION_REPORT,
    "RouteList": items_of(ROUTE),
    "QueueList": items_of(QUEUE),
    "Certificate": CERTIFICATE,
    "CertificateList": items_of(ref("Certificate")),
    "PeerList": items_of(PEER),
    "Health": HEALTH,
    "Readiness": READINESS,
}
