"""Each view is one dataclass: the JSON body (``wire``) and the OpenAPI
component schema come from it and agree, for every value the types allow."""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import Field, dataclass, fields, is_dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.http.models import COMPONENTS, Items, component_schemas, wire
from adapters.http.openapi import openapi_document
from node.model import MessageKind
from node.ports.api import InboxItem, SubmitResult

DOCUMENT = openapi_document()
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
INSTANTS = st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=7))]))


def values(tp: Any) -> st.SearchStrategy[Any]:
    """Every value of a view's field type (floats are shares and days: finite; a
    mapping keyed by an enum has every member, as the schema says)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Items:
        return st.builds(Items, items=values(tuple[args[0], ...]))
    if is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        return st.builds(tp, **{f.name: _field(f, hints[f.name]) for f in fields(tp)})
    if origin in (types.UnionType, typing.Union):
        return st.one_of([values(a) for a in args])
    if origin is tuple:
        return st.lists(values(args[0]), max_size=3).map(tuple)
    if origin in (Mapping, dict) and isinstance(args[0], type) and issubclass(args[0], Enum):
        return st.fixed_dictionaries({member: values(args[1]) for member in args[0]})
    if origin in (Mapping, dict):
        inner = JSON_VALUES if args[1] is Any else values(args[1])
        return st.dictionaries(st.text(max_size=5), inner, max_size=3)
    if tp is float:
        return st.floats(0, 1)
    if tp is datetime:
        return INSTANTS
    if tp is type(None):
        return st.none()
    if tp is Path:
        return st.sampled_from([Path("/etc/lienthong/tls.pem"), Path("ca.pem")])
    return st.from_type(tp)


def _field(f: Field[Any], tp: Any) -> st.SearchStrategy[Any]:
    """A field whose metadata narrows a ``str`` to an enum draws from it."""
    schema = f.metadata.get("schema", {})
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "enum" in schema.get("items", {}):
        return st.lists(st.sampled_from(schema["items"]["enum"]), max_size=2).map(tuple)
    return values(tp)


@functools.cache
def validator(name: str) -> Any:
    schema = {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


@pytest.mark.parametrize("name", sorted(COMPONENTS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_body_matches_its_component_schema(name: str, data: st.DataObject) -> None:
    value = data.draw(values(COMPONENTS[name]))
    body = json.loads(json.dumps(wire(value)))
    errors = [e.message for e in validator(name).iter_errors(body)]
    assert errors == [], (name, body)


def test_wire_names_and_hidden_fields_follow_the_field_metadata() -> None:
    at = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)
    item = InboxItem("m1", MessageKind.STATUS, "000.00.00.H41", "doc", at, status_code="03")
    assert wire(item) == {
        "id": "m1",
        "kind": "status",
        "from": "000.00.00.H41",
        "document_id": "doc",
        "received_at": "2026-12-07T01:02:03+00:00",
        "status_code": "03",
    }
    assert wire(SubmitResult("m1", "doc", "accepted", duplicate=True)) == {
        "id": "m1",
        "document_id": "doc",
        "state": "accepted",
    }
    schemas = component_schemas()
    assert "from" in schemas["InboxItem"]["required"]
    assert "duplicate" not in schemas["SubmitResult"]["properties"]


def test_a_type_without_a_json_form_is_refused_when_the_schema_is_built() -> None:
    @dataclass(frozen=True)
    class Odd:
        tags: set[str]

    with pytest.raises(TypeError, match="no JSON Schema"):
        component_schemas({"Odd": Odd})


def test_plain_data_inside_a_view_is_made_json_safe() -> None:
    at = datetime(2026, 1, 2, tzinfo=UTC)
    assert wire({"at": at, "n": (1, 2.5), "raw": b"x", 3: None}) == {
        "at": "2026-01-02T00:00:00+00:00",
        "n": [1, 2.5],
        "raw": "b'x'",
        "3": None,
    }
