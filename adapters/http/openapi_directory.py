"""OpenAPI description of ``GET /admin/v1/directory``: the copies of the axis'
organ directory a node keeps (adapters.transport.vdxp_directory)."""

from __future__ import annotations

from typing import Any

from adapters.http.models import Schema, closed, ref

STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
NULLABLE_TIMESTAMP: Schema = {"type": ["string", "null"], "format": "date-time"}
INTEGER: Schema = {"type": "integer"}


def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = ()) -> Schema:
    schema = closed(properties)
    schema["required"] = [k for k in properties if k not in optional]
    return schema


def items_of(schema: Schema) -> Schema:
    return closed({"items": {"type": "array", "items": schema}})


_BOOL: Schema = {"type": "boolean"}
DIRECTORY_ENTRY = obj(
    {
        "code": STRING,
        "name": STRING,
        "id": STRING,
        "mail": STRING,
        "pid": STRING,
        "old_code": STRING,
        "code102": STRING,
        "center_code": STRING,
        "version": {"type": ["integer", "null"]},
        "deleted": _BOOL,
        "modify_date": STRING,
        "is_agency": {"type": ["boolean", "null"]},
    }
)
DIRECTORY_COPY = obj(
    {
        "upstream": STRING,
        "call": {
            "type": "string",
            "enum": ["getAgenciesList", "getAgenciesListQD20", "getSynchronizeUnit"],
        },
        "synced_at": NULLABLE_TIMESTAMP,
        "last_attempt_at": NULLABLE_TIMESTAMP,
        "last_error": NULLABLE_STRING,
        "consecutive_failures": INTEGER,
        "count": INTEGER,
        "entries": {"type": "array", "items": ref("DirectoryEntry")},
        "known": _BOOL,
    },
    optional=("known",),
)
DIRECTORY_SCHEMAS: dict[str, Schema] = {
    "DirectoryEntry": DIRECTORY_ENTRY,
    "DirectoryCopy": DIRECTORY_COPY,
    "DirectoryList": items_of(ref("DirectoryCopy")),
}


def directory_path(admin_get: Any, organ: dict[str, Any]) -> dict[str, Any]:
    """``admin_get``: openapi._admin_get; ``organ``: its organ query parameter."""
    return {
        "/admin/v1/directory": admin_get(
            "The axis' organ directory per upstream with directory_sync: last good "
            "copy, when it was fetched, the last error; with organ, only that entry "
            "and whether the axis lists it (known)",
            "DirectoryList",
            [organ],
        )
    }
