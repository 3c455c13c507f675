"""The OpenAPI 3.1 document of every HTTP surface: DMS API, admin API, ops
endpoints and the peer API (served on its own mutual-TLS listener).

A test compares :func:`documented_operations` with the routes the apps really
register (:func:`registered_operations`), so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiohttp import web

from adapters.http.models import Schema, component_schemas, ref
from adapters.http.openapi_directory import DIRECTORY_SCHEMAS, directory_path
from adapters.http.openapi_vdxp import VDXP_SCHEMAS, vdxp_paths
from adapters.transport import headers as wire
from node import __version__

PROBLEM_JSON = "application/problem+json"
ORGAN_ID = {"type": "string", "pattern": r"^[0-9A-Z]+(\.[0-9A-Z]+)*$", "maxLength": 35}
METHODS = ("get", "post", "put", "patch", "delete")

_DESCRIPTIONS = {
    200: "OK",
    202: "Accepted and durably stored",
    204: "Done",
    400: "Invalid request or message (see `errors`)",
    401: "Missing or unknown bearer token / client certificate",
    403: "Authenticated but not allowed",
    404: "No such resource (or not visible to this client)",
    409: "Conflict with the stored state (e.g. an illegal status transition)",
    413: "Message larger than the node's limit",
    415: "Body is not application/xml",
    422: "No route to a recipient, or a routing loop",
    503: "Store unavailable; nothing was written, retry later",
}


STRING: Schema = {"type": "string"}
PROBLEM_SCHEMAS: dict[str, Schema] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details",
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": STRING,
            "status": {"type": "integer"},
            "detail": STRING,
            "errors": {"type": "array", "items": ref("Issue")},
            "reasons": {"type": "array", "items": STRING},
            "incident": STRING,
        },
        "required": ["type", "title", "status", "detail"],
    },
    "Issue": {
        "type": "object",
        "properties": {"line": {"type": ["integer", "null"]}, "path": STRING, "message": STRING},
        "required": ["line", "path", "message"],
        "additionalProperties": False,
    },
}
"""Problem details are an open dict (extra members per kind), not a dataclass."""


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": _DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": ref("Problem")}},
    }


def _json(status: int, schema: str, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": ref(schema)}},
    }


def _query(name: str, schema: Schema, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _header(name: str, schema: Schema, description: str, *, required: bool) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": schema,
        "description": description,
    }


PATH_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "message id (the `id` of the submit answer)",
}
LIMIT = _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "page size (default 50)")
VISIBLE_ASCII = r"^[\x21-\x7e]+$"
CURSOR = _query(
    "cursor",
    {"type": "string", "pattern": VISIBLE_ASCII, "minLength": 1, "maxLength": 512},
    "the previous page's `next_cursor`",
)
ORGAN = _query("organ", ORGAN_ID, "only this organ")
SINCE = _query("since", {"type": "string", "format": "date-time"}, "from this instant")
UNTIL = _query("until", {"type": "string", "format": "date-time"}, "up to this instant")
STATE = _query("state", {"type": "string", "pattern": "^[a-z-]{1,32}$"}, "message state")
DOCUMENT_ID = _query(
    "document_id",
    {"type": "string", "pattern": VISIBLE_ASCII, "minLength": 1, "maxLength": 512},
    "only messages of this DocumentId (the document and its statuses)",
)
STATUS_CODE = _query(
    "status_code",
    {"type": "string", "pattern": "^[0-9]{2}$"},
    "only status messages with this code (02: refusals)",
)
XML_BODY = {
    "required": True,
    "description": "the edXML file, byte for byte",
    "content": {"application/xml": {"schema": {"type": "string"}}},
}


def _op(summary: str, tag: str, responses: dict[int, Any], **extra: Any) -> dict[str, Any]:
    return {
        "summary": summary,
        "tags": [tag],
        "responses": {str(k): v for k, v in responses.items()},
        **extra,
    }


def _dms_submit(what: str) -> dict[str, Any]:
    return _op(
        f"Submit {what}",
        "dms",
        {
            200: _json(200, "SubmitResult", "Duplicate: the first answer, nothing stored again"),
            202: _json(202, "SubmitResult"),
            **{s: _problem(s) for s in (400, 401, 403, 409, 413, 415, 422, 503)},
        },
        parameters=[
            _header(
                "Idempotency-Key",
                {"type": "string", "pattern": VISIBLE_ASCII, "minLength": 1, "maxLength": 200},
                "the DMS's own key for this submission (visible ASCII)",
                required=False,
            )
        ],
        requestBody=XML_BODY,
        security=[{"dmsToken": []}],
    )


def _dms_paths() -> dict[str, Any]:
    auth: dict[str, Any] = {"security": [{"dmsToken": []}]}
    read_errors = {s: _problem(s) for s in (400, 401, 404, 503)}
    return {
        "/api/v1/documents": {"post": _dms_submit("an edXML document")},
        "/api/v1/statuses": {"post": _dms_submit("an edXML status message")},
        "/api/v1/inbox": {
            "get": _op(
                "Unacknowledged messages for the token's organs",
                "dms",
                {200: _json(200, "InboxPage"), **read_errors},
                parameters=[LIMIT, CURSOR],
                **auth,
            )
        },
        "/api/v1/messages/{id}": {
            "get": _op(
                "The stored edXML bytes, exactly as signed",
                "dms",
                {
                    200: {
                        "description": "the message",
                        "headers": {"Lienthong-Content-SHA256": {"schema": {"type": "string"}}},
                        "content": {"application/xml": {"schema": {"type": "string"}}},
                    },
                    **read_errors,
                },
                parameters=[PATH_ID],
                **auth,
            )
        },
        "/api/v1/messages/{id}/ack": {
            "post": _op(
                "Acknowledge: the message leaves the inbox (idempotent)",
                "dms",
                {204: {"description": _DESCRIPTIONS[204]}, **read_errors},
                parameters=[PATH_ID],
                **auth,
            )
        },
        "/api/v1/documents/{id}/trace": {
            "get": _op(
                "Per-destination delivery state, attempts, status history",
                "dms",
                {200: _json(200, "Trace"), **read_errors},
                parameters=[PATH_ID],
                **auth,
            )
        },
    }


def _admin_get(summary: str, schema: str, params: list[Any]) -> dict[str, Any]:
    return {
        "get": _op(
            summary,
            "admin",
            {200: _json(200, schema), **{s: _problem(s) for s in (400, 401, 404, 503)}},
            parameters=params,
            security=[{"adminToken": []}],
        )
    }


def _admin_report() -> dict[str, Any]:
    day = {"type": "string", "format": "date"}
    params = [
        {**_query("from", day, "first Vietnam calendar day of the period"), "required": True},
        {**_query("to", day, "last day of the period (at most 366 days)"), "required": True},
        ORGAN,
        _query(
            "format",
            {"type": "string", "enum": ["json", "csv", "text"]},
            "json (default); csv: one row per (document, recipient); text: tables",
        ),
    ]
    ok = _json(200, "SupervisionReport")
    ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    ok["content"]["text/plain"] = {"schema": {"type": "string"}}
    return {
        "get": _op(
            "QĐ 28 supervision report: per organ, documents received and sent in the "
            "period, each owed status (01, 02/03, 06) judged against its deadline on "
            "the working-day calendar, on-time rate, completeness, overdue list, "
            "overdue count per day",
            "admin",
            {200: ok, **{s: _problem(s) for s in (400, 401, 503)}},
            parameters=params,
            security=[{"adminToken": []}],
        )
    }


def _admin_paths() -> dict[str, Any]:
    return {
        "/admin/v1/messages": _admin_get(
            "Search messages",
            "MessagePage",
            [STATE, ORGAN, SINCE, UNTIL, LIMIT, CURSOR, DOCUMENT_ID, STATUS_CODE],
        ),
        "/admin/v1/messages/{id}": _admin_get(
            "One message: deliveries, attempts, hops, statuses, verification report",
            "MessageDetail",
            [PATH_ID],
        ),
        "/admin/v1/messages/{id}/trace": _admin_get("The message's trace", "Trace", [PATH_ID]),
        "/admin/v1/messages/{id}/resend": {
            "post": _op(
                "Put dead or failed deliveries back in the queue (operators only)",
                "admin",
                {
                    200: _json(200, "ResendResult"),
                    **{s: _problem(s) for s in (400, 401, 403, 404, 409, 503)},
                },
                parameters=[PATH_ID],
                security=[{"adminToken": []}],
            )
        },
        "/admin/v1/dead-letters": _admin_get("Dead-lettered deliveries", "DeliveryList", [LIMIT]),
        "/admin/v1/overdue": _admin_get("Feedback that is due and missing", "OverdueList", [ORGAN]),
        "/admin/v1/stats": _admin_get("Per-organ feedback statistics", "StatsList", [ORGAN, SINCE]),
        "/admin/v1/report": _admin_report(),
        "/admin/v1/audit": _admin_get("Verify the audit log's hash chain", "AuditCheck", []),
        "/admin/v1/routes": _admin_get("The routing table", "RouteList", []),
        "/admin/v1/queues": _admin_get(
            "Waiting deliveries per destination (pending, in flight, held)", "QueueList", []
        ),
        "/admin/v1/peers": _admin_get("Peer nodes and their certificates", "PeerList", []),
        "/admin/v1/certificates": _admin_get(
            "Every certificate with days to expiry", "CertificateList", []
        ),
        **directory_path(_admin_get, ORGAN),
    }


def _ops_paths() -> dict[str, Any]:
    return {
        "/healthz": {"get": _op("The process answers", "ops", {200: _json(200, "Health")})},
        "/readyz": {
            "get": _op(
                "Store reachable, keys loaded, spool writable",
                "ops",
                {
                    200: _json(200, "Readiness"),
                    503: _json(503, "Readiness", "Not ready: see `checks`"),
                },
            )
        },
        "/metrics": {
            "get": _op(
                "Prometheus metrics",
                "ops",
                {
                    200: {
                        "description": "Prometheus text exposition",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            )
        },
        "/openapi.json": {
            "get": _op(
                "This document",
                "ops",
                {
                    200: {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            )
        },
    }


def _peer_paths() -> dict[str, Any]:
    headers = [
        _header(
            wire.MESSAGE_ID,
            {"type": "string"},
            "id from the origin node; the same on every redelivery",
            required=True,
        ),
        _header(
            wire.KIND,
            {"type": "string", "enum": ["document", "status"]},
            "message kind",
            required=True,
        ),
        _header(
            wire.RECIPIENTS,
            {"type": "string"},
            "comma-separated organ ids this transfer is for",
            required=True,
        ),
        _header(
            wire.HOPS,
            {"type": "string"},
            'JSON array of {"node", "at", "direction"}',
            required=True,
        ),
        _header(
            wire.CONTENT_SHA256,
            {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "SHA-256 of the body",
            required=True,
        ),
    ]
    return {
        "/peer/v1/messages": {
            "servers": [
                {
                    "url": "https://{peer_listener}",
                    "description": "the peer listener (mutual TLS), not the DMS listener",
                    "variables": {"peer_listener": {"default": "127.0.0.1:8443"}},
                }
            ],
            "post": _op(
                "A signed envelope from another node",
                "peer",
                {
                    200: _json(200, "SubmitResult", "Duplicate: the first answer"),
                    202: _json(202, "SubmitResult"),
                    **{s: _problem(s) for s in (400, 401, 403, 409, 413, 415, 422, 503)},
                },
                parameters=headers,
                requestBody=XML_BODY,
                security=[{"peerCertificate": []}],
            ),
        }
    }


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lienthong exchange node",
            "version": __version__,
            "description": "DMS API, admin API, peer API and ops endpoints of a lienthong "
            "node. Errors are RFC 9457 problem+json with type "
            "https://lienthong.dev/problems/<kind>.",
        },
        "paths": {
            **_dms_paths(),
            **_admin_paths(),
            **_ops_paths(),
            **_peer_paths(),
            **vdxp_paths(),
        },
        "components": {
            "schemas": {
                **PROBLEM_SCHEMAS,
                **component_schemas(),
                **VDXP_SCHEMAS,
                **DIRECTORY_SCHEMAS,
            },
            "securitySchemes": {
                "dmsToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a DMS client's token (node.toml [[dms]])",
                },
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an operator's or auditor's token ([[admins]])",
                },
                "peerCertificate": {
                    "type": "mutualTLS",
                    "description": "the peer node's TLS client certificate",
                },
            },
        },
    }


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def registered_operations(app: web.Application) -> set[tuple[str, str]]:
    """(METHOD, path template) of every route of ``app`` and its sub-applications
    (whose routes aiohttp has already prefixed)."""
    return set(_walk(app))


def _walk(app: web.Application) -> Iterator[tuple[str, str]]:
    for resource in app.router.resources():
        info = resource.get_info()
        if resource.canonical == "/console" or resource.canonical.startswith("/console/"):
            continue  # the web console: HTML pages for people, not part of the API
        if "app" in info:
            yield from _walk(info["app"])
            continue
        for route in resource:
            if route.method != "HEAD":
                yield route.method, resource.canonical


async def serve_openapi(request: web.Request) -> web.Response:
    del request
    return web.json_response(openapi_document())
