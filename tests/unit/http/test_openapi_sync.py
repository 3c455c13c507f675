"""/openapi.json documents exactly the routes the apps register."""

from __future__ import annotations

from typing import Any, cast

import jsonschema_rs
import pytest

from adapters.http.app import build_dms_listener_app, build_peer_listener_app
from adapters.http.openapi import documented_operations, openapi_document, registered_operations
from adapters.http.state import HttpServices


def _registered() -> set[tuple[str, str]]:
    services = cast(HttpServices, object())
    return registered_operations(build_dms_listener_app(services)) | registered_operations(
        build_peer_listener_app(services)
    )


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    registered = _registered()
    documented = documented_operations(openapi_document())
    assert registered - documented == set(), "routes missing from /openapi.json"
    assert documented - registered == set(), "documented operations that no app serves"


def test_contract_paths_are_present() -> None:
    documented = documented_operations(openapi_document())
    for operation in [
        ("POST", "/api/v1/documents"),
        ("POST", "/api/v1/statuses"),
        ("GET", "/api/v1/inbox"),
        ("GET", "/api/v1/messages/{id}"),
        ("POST", "/api/v1/messages/{id}/ack"),
        ("GET", "/api/v1/documents/{id}/trace"),
        ("POST", "/peer/v1/messages"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
    ]:
        assert operation in documented


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if "$ref" in node else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def test_every_reference_resolves() -> None:
    document = openapi_document()
    names = set(document["components"]["schemas"])
    for ref in _refs(document):
        assert ref.removeprefix("#/components/schemas/") in names, ref


@pytest.mark.parametrize("name", sorted(openapi_document()["components"]["schemas"]))
def test_component_schemas_are_valid_json_schema(name: str) -> None:
    schema = openapi_document()["components"]["schemas"][name]
    jsonschema_rs.meta.validate(schema)
