"""The configuration reference, generated from the model: every key of
``node.toml`` with its type, default and documentation (README's table)."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NamedTuple, Union

from node.config.fields import HostPort, format_duration
from node.config.model import Config


class ConfigKey(NamedTuple):
    key: str
    """Dotted key; ``[]`` marks an array of tables (``peers[].url``)."""
    type: str
    default: str
    """The default as TOML would spell it; ``""`` when the key is required."""
    doc: str


def config_reference() -> list[ConfigKey]:
    """Every key of node.toml, in model order."""
    return list(_walk(Config, ""))


def render_markdown() -> str:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for k in config_reference():
        default = f"`{k.default}`" if k.default else "required"
        lines.append(f"| `{k.key}` | {k.type} | {default} | {k.doc} |")
    return "\n".join(lines) + "\n"


def _walk(cls: type[Any], prefix: str) -> typing.Iterator[ConfigKey]:
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not f.metadata.get("toml", True):
            continue
        key = f"{prefix}{f.name}"
        hint = _unwrap_optional(hints[f.name])
        if typing.get_origin(hint) is tuple and dataclasses.is_dataclass(typing.get_args(hint)[0]):
            yield from _walk(typing.get_args(hint)[0], f"{key}[].")
        elif dataclasses.is_dataclass(hint) and hint is not HostPort:
            yield from _walk(typing.cast(type[Any], hint), f"{key}.")
        else:
            yield ConfigKey(key, _type_name(hint), _default(f), f.metadata["doc"])


def _unwrap_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


_NAMES: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Path: "path",
    timedelta: "duration",
    date: "date",
    HostPort: '"host:port"',
}


def _type_name(hint: Any) -> str:
    if typing.get_origin(hint) is tuple:
        return f"list of {_type_name(typing.get_args(hint)[0])}"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return " \\| ".join(f'"{m.value}"' for m in hint)
    return _NAMES[hint]


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is dataclasses.MISSING:
        return "" if f.default_factory is dataclasses.MISSING else "[]"
    return _toml(f.default)


def _toml(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return f'"{value.value}"'
    if isinstance(value, timedelta):
        return f'"{format_duration(value)}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, int | float):
        return str(value)
    return f'"{value}"'
