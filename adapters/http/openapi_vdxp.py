"""OpenAPI description of the VDXP-compatible API (adapters.http.vdxp)."""

from __future__ import annotations

from typing import Any

from adapters.http.models import Schema, ref

STRING: Schema = {"type": "string"}


VDXP_ANSWER = {
    "type": "object",
    "required": ["status", "ErrorCode", "ErrorDesc"],
    "properties": {
        "status": {"type": "string", "enum": ["OK", "FAIL"]},
        "ErrorCode": STRING,
        "ErrorDesc": STRING,
    },
}
VDXP_SCHEMAS: dict[str, Schema] = {"VdxpAnswer": VDXP_ANSWER}
"""Refusals (and getEdoc's streamed answer): the VDXP fields and whatever the
problem adds. The answers that succeed are dataclasses (adapters.http.vdxp_body)."""
SIGNATURE_HEADERS = [
    {
        "name": name,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }
    for name, description in (
        ("XroadVnpt-sign-header-key", "names of the signed headers, joined by ';'"),
        ("XroadVnpt-sign-header", "JSON object of the signed header values"),
        ("XroadVnpt-hash-header", "hex HMAC-SHA256 of XroadVnpt-sign-header"),
    )
]
_ERRORS = {
    "400": "Bad request (missing or malformed header, invalid edXML)",
    "401": "Header signature missing or wrong, unknown systemid, stale timestamp",
    "403": "The system may not do this",
    "404": "No such message, or the VDXP-compatible API is not enabled",
    "409": "Conflict with the stored state",
    "413": "Message larger than the node's limit",
    "422": "No route to a recipient",
    "503": "Store unavailable; nothing was written, retry later",
}


def _answer(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _op(summary: str, schema: str = "VdxpAnswer", **extra: Any) -> dict[str, Any]:
    responses = {"200": _answer(schema, "status OK")}
    responses.update({k: _answer("VdxpAnswer", v) for k, v in _ERRORS.items()})
    return {
        "summary": summary,
        "tags": ["vdxp"],
        "parameters": SIGNATURE_HEADERS,
        "responses": responses,
        **extra,
    }


def vdxp_paths() -> dict[str, Any]:
    body = {
        "required": True,
        "description": (
            "the edXML file (the SDK appends CRLF); sign messagetype and hash-file "
            "(from and to optional)"
        ),
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "application/xml": {"schema": {"type": "string"}},
        },
    }
    return {
        "/vdxp/sendEdoc": {
            "post": _op(
                "VDXP: send a document or status (a lienthong node below may add "
                "Lienthong-Hops: a loop or too many hops is refused, loop-detected)",
                "VdxpSent",
                requestBody=body,
            )
        },
        "/vdxp/getReceivedEdocList": {
            "post": _op("VDXP: received, unacknowledged messages", "VdxpReceivedList")
        },
        "/vdxp/getEdoc": {"post": _op("VDXP: one message, base64 in data (sign docId)")},
        "/vdxp/updateStatus": {
            "post": _op("VDXP: done (acknowledge) or fail (sign docid)", "VdxpUpdated")
        },
        "/vdxp/countReceiveEdoc": {
            m: _op("VDXP: documents waiting (the SDK POSTs {})", "VdxpCount")
            for m in ("get", "post")
        },
        "/vdxp/countReceiveStatus": {
            m: _op("VDXP: statuses waiting (the SDK POSTs {})", "VdxpCount")
            for m in ("get", "post")
        },
        "/vdxp/getSentEdocList": {"post": _op("VDXP: documents sent, with state", "VdxpSentList")},
        "/vdxp/downloadEdoc": {
            "get": {
                **_op("VDXP: the raw stored file (sign docId); refusals have an empty body"),
                "responses": {
                    "200": {
                        "description": "the file",
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    **{
                        code: {"description": "empty body; XroadVnpt-ErrorDesc says why"}
                        for code in ("400", "401", "403", "404")
                    },
                },
            }
        },
        **{
            f"/vdxp/{name}": {"post": _op(f"VDXP agency directory: {name}", "VdxpAgencyList")}
            for name in ("getAgenciesList", "getAgenciesListQD20", "getSynchronizeUnit")
        },
        **{
            f"/vdxp/{name}": {"post": _op(f"VDXP: {name}, refused (403): organs are in node.toml")}
            for name in ("registerAgency", "deleteAgency")
        },
    }
