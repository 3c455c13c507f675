"""The JSON Schemas (OpenAPI 3.1 components) not derived from a dataclass by
:mod:`adapters.http.models`: problem details (an open dict, built in
:mod:`adapters.http.problem`) and the supervision report (whose one wire form
is :func:`node.report_format.report_dict`, shared with the console and CLI)."""

from __future__ import annotations

from typing import Any

from adapters.http.models import ref

Schema = dict[str, Any]


def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
TIMESTAMP: Schema = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP: Schema = {"type": ["string", "null"], "format": "date-time"}
INTEGER: Schema = {"type": "integer"}
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

RATE: Schema = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
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

COMPONENT_SCHEMAS: dict[str, Schema] = {
    "Problem": PROBLEM,
    "Issue": ISSUE,
    "SupervisionReport": SUPERVISION_REPORT,
}
