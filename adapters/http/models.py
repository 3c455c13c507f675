"""Every JSON body the HTTP APIs answer with, each shape written once.

A shape is a frozen dataclass: the core's views (:mod:`node.ports.api`), the
few this adapter adds below (list answers, certificates, health) and the
supervision report's (:mod:`adapters.http.report_body`) and the VDXP answers
(:mod:`adapters.http.vdxp_body`). From
that one definition come both the body (:func:`wire`) and its OpenAPI 3.1
component schema (:func:`component_schemas`), so the two cannot drift apart.

The rules, applied the same way to both:

- every field is on the wire, always (``required``), and nothing else is
  (``additionalProperties: false``);
- a field's ``metadata["json"]`` is its wire name (``from_`` is ``from``);
  ``None`` keeps it out of the body (it is told another way, e.g. the status);
- ``metadata["schema"]`` adds JSON Schema keywords (a description, bounds);
- enums and ``Literal`` are their values, instants ISO 8601 with their offset
  (``+00:00``), tuples arrays, mappings objects (one keyed by an enum has
  every member);
- a dataclass named in :data:`COMPONENTS` is a ``$ref`` to its component,
  any other is written inline.

Written by hand in :mod:`adapters.http.openapi`: the paths table and the
problem details (an open dict); in ``openapi_vdxp``, the VDXP paths and
refusals.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, TypeVar

from aiohttp import web

from adapters.http.inventory import CertificateInfo, PeerInfo, RouteInfo
from adapters.http.report_body import ReportBody
from adapters.http.vdxp_body import (
    VdxpAgencyList,
    VdxpCount,
    VdxpReceivedList,
    VdxpSent,
    VdxpSentList,
    VdxpUpdated,
)
from node.ports.api import (
    AttemptView,
    AuditCheck,
    ChainLink,
    DeliveryView,
    InboxItem,
    InboxPage,
    MessageDetail,
    MessagePage,
    MessageSummary,
    OrganStats,
    OverdueItem,
    QueueDepth,
    StatusView,
    SubmitResult,
    Trace,
)
from node.ports.driven import Hop
from node.report import SupervisionReport

Schema = dict[str, Any]
T = TypeVar("T")

# ------------------------------------------------------------------- the adapter's own shapes


@dataclass(frozen=True)
class Items(Generic[T]):
    """A list answer: ``{"items": [...]}``."""

    items: tuple[T, ...]


@dataclass(frozen=True)
class ResendResult:
    deliveries: tuple[DeliveryView, ...]


@dataclass(frozen=True)
class Certificate(CertificateInfo):
    """A certificate the node holds, with its days to expiry as of the answer."""

    days_to_expiry: float = field(metadata={"json": "days_left"})

    @classmethod
    def of(cls, info: CertificateInfo, now: datetime) -> Certificate:
        facts = {f.name: getattr(info, f.name) for f in fields(CertificateInfo)}
        return cls(**facts, days_to_expiry=round(info.days_left(now), 1))


@dataclass(frozen=True)
class Peer:
    name: str
    url: str
    organ_id: str
    certificate: Certificate

    @classmethod
    def of(cls, info: PeerInfo, now: datetime) -> Peer:
        return cls(info.name, info.url, info.organ_id, Certificate.of(info.certificate, now))


@dataclass(frozen=True)
class Health:
    status: Literal["ok"] = "ok"


@dataclass(frozen=True)
class Readiness:
    status: Literal["ready", "not-ready"]
    checks: Mapping[str, str]
    """Each check by name: "ok", else why it fails."""


COMPONENTS: Mapping[str, Any] = {
    "SubmitResult": SubmitResult,
    "InboxItem": InboxItem,
    "InboxPage": InboxPage,
    "Hop": Hop,
    "Attempt": AttemptView,
    "Delivery": DeliveryView,
    "StatusEntry": StatusView,
    "Trace": Trace,
    "ChainLink": ChainLink,
    "MessageSummary": MessageSummary,
    "MessagePage": MessagePage,
    "MessageDetail": MessageDetail,
    "DeliveryList": Items[DeliveryView],
    "ResendResult": ResendResult,
    "OverdueList": Items[OverdueItem],
    "StatsList": Items[OrganStats],
    "AuditCheck": AuditCheck,
    "RouteList": Items[RouteInfo],
    "QueueList": Items[QueueDepth],
    "Certificate": Certificate,
    "CertificateList": Items[Certificate],
    "PeerList": Items[Peer],
    "SupervisionReport": ReportBody,
    "Health": Health,
    "Readiness": Readiness,
    "VdxpSent": VdxpSent,
    "VdxpUpdated": VdxpUpdated,
    "VdxpCount": VdxpCount,
    "VdxpReceivedList": VdxpReceivedList,
    "VdxpSentList": VdxpSentList,
    "VdxpAgencyList": VdxpAgencyList,
}
"""Component name -> the dataclass (or ``Items[...]``) it describes; the paths
table names these."""

# --------------------------------------------------------------------------- bodies


@functools.cache
def _wire_fields(cls: type) -> tuple[tuple[str, str], ...]:
    """(Python name, wire name) of each field of ``cls`` that is on the wire."""
    found = ((f.name, f.metadata.get("json", f.name)) for f in fields(cls))
    return tuple((name, json) for name, json in found if json is not None)


Encode = Callable[[Any], Any]


def wire(value: Any) -> Any:
    """``value`` as JSON-ready data. A view is encoded by its class's encoder
    (:func:`_encoder`, built once from the field types); plain data inside
    one (the verification report) by its values, what JSON cannot hold
    becoming its ``str``."""
    if is_dataclass(value) and not isinstance(value, type):
        return _encoder(type(value))(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {_key(k): wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _same(value: Any) -> Any:
    return value


@functools.cache
def _encoder(tp: Any) -> Encode:
    """The encoder of a field type: the same walk as :func:`_schema`, so a
    value goes out exactly as its schema says (``_same``: JSON already)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in (str, int, float, bool, type(None)) or origin is Literal:
        return _same
    if tp in (datetime, date):
        return _isoformat
    if origin in (types.UnionType, typing.Union):
        inner = _encoder(next(a for a in args if a is not type(None)))
        return _same if inner is _same else lambda v: None if v is None else inner(v)
    if origin is tuple:
        item = _encoder(args[0])
        return list if item is _same else lambda v: [item(x) for x in v]
    if origin in (Mapping, dict):
        _, value = args or (str, Any)
        if value is Any:
            return wire
        item = _encoder(value)
        return lambda v: {_key(k): item(x) for k, x in v.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _value
    if isinstance(tp, type) and is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        plan = tuple((name, json, _encoder(hints[name])) for name, json in _wire_fields(tp))
        return lambda v: {json: enc(getattr(v, name)) for name, json, enc in plan}
    return wire  # a type parameter (Items[T]) or Any: by the value


def _isoformat(value: date) -> str:
    return value.isoformat()


def _value(member: enum.Enum) -> Any:
    return member.value


def _key(key: Any) -> str:
    return str(key.value) if isinstance(key, enum.Enum) else str(key)


def report_json(report: SupervisionReport) -> dict[str, Any]:
    """The supervision report as the admin API answers it (and the console shows it)."""
    data: dict[str, Any] = wire(ReportBody.of(report))
    return data


def json_response(value: Any, *, status: int = 200, **kwargs: Any) -> web.Response:
    return web.json_response(wire(value), status=status, **kwargs)


# --------------------------------------------------------------------------- schemas


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def component_schemas(components: Mapping[str, Any] = COMPONENTS) -> dict[str, Schema]:
    names = {tp: name for name, tp in components.items()}
    return {name: _object(tp, names) for name, tp in components.items()}


_SCALARS: Mapping[Any, Schema] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
}


def _object(tp: Any, names: Mapping[Any, str]) -> Schema:
    """A dataclass, or a generic one with its parameters (``Items[Peer]``)."""
    cls = typing.get_origin(tp) or tp
    bound = dict(zip(getattr(cls, "__parameters__", ()), typing.get_args(tp), strict=True))
    hints = {k: _bind(h, bound) for k, h in typing.get_type_hints(cls).items()}
    by_name = {f.name: f for f in fields(cls)}
    return closed(
        {
            json: {**_schema(hints[name], names), **dict(by_name[name].metadata.get("schema", {}))}
            for name, json in _wire_fields(cls)
        }
    )


def closed(properties: dict[str, Schema]) -> Schema:
    """Every property present, none other."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _bind(hint: Any, bound: Mapping[Any, Any]) -> Any:
    if hint in bound:
        return bound[hint]
    parameters = getattr(hint, "__parameters__", ())
    return hint[tuple(bound[p] for p in parameters)] if parameters else hint


def _schema(tp: Any, names: Mapping[Any, str]) -> Schema:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if origin in (types.UnionType, typing.Union):
        return _nullable(tp, args, names)
    if origin is Literal:
        return {"type": "string", "enum": list(args)}
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": _schema(args[0], names)}
    if origin in (Mapping, dict):
        key, value = args or (str, Any)
        if isinstance(key, type) and issubclass(key, enum.Enum):
            return closed({member.value: _schema(value, names) for member in key})
        if value is Any:
            return {"type": "object"}
        return {"type": "object", "additionalProperties": _schema(value, names)}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"type": "string", "enum": [member.value for member in tp]}
    if isinstance(tp, type) and is_dataclass(tp):
        return ref(names[tp]) if tp in names else _object(tp, names)
    raise TypeError(f"no JSON Schema for {tp!r}: give it one in adapters/http/models.py")


def _nullable(tp: Any, args: tuple[Any, ...], names: Mapping[Any, str]) -> Schema:
    others = [a for a in args if a is not type(None)]
    if len(others) != 1 or len(others) == len(args):
        raise TypeError(f"only `X | None` unions are on the wire, not {tp!r}")
    schema = _schema(others[0], names)
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


__all__ = [
    "COMPONENTS",
    "Items",
    "closed",
    "component_schemas",
    "json_response",
    "ref",
    "report_json",
    "wire",
]
