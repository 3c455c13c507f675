"""Every key of the config model is documented, and the reference lists them all."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from node.config import Config, HostPort, config_reference, render_markdown


def _model_keys(cls: type[Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not f.metadata.get("toml", True):
            continue
        hint = hints[f.name]
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = args[0] if args else hint
        if typing.get_origin(hint) is tuple and dataclasses.is_dataclass(inner):
            keys |= _model_keys(inner, f"{prefix}{f.name}[].")
        elif dataclasses.is_dataclass(inner) and inner is not HostPort:
            keys |= _model_keys(inner, f"{prefix}{f.name}.")  # type: ignore[arg-type]
        else:
            keys.add(prefix + f.name)
    return keys


def test_reference_lists_every_key_of_the_model() -> None:
    listed = [k.key for k in config_reference()]
    assert len(listed) == len(set(listed))
    assert set(listed) == _model_keys(Config)


def test_every_key_has_a_type_and_documentation() -> None:
    for key in config_reference():
        assert key.type, key
        assert len(key.doc) >= 8, key


def test_every_field_of_the_model_carries_doc_metadata() -> None:
    seen: list[type[Any]] = [Config]
    while seen:
        cls = seen.pop()
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} is undocumented"
        for hint in typing.get_type_hints(cls).values():
            for candidate in (hint, *typing.get_args(hint)):
                if (
                    dataclasses.is_dataclass(candidate)
                    and candidate.__module__ == Config.__module__
                ):
                    seen.append(candidate)  # type: ignore[arg-type]


def test_markdown_table_has_one_row_per_key() -> None:
    rows = [line for line in render_markdown().splitlines() if line.startswith("| `")]
    assert len(rows) == len(config_reference())
    assert any("`retry.max_age`" in row and '`"3d"`' in row for row in rows)
    assert any("`node.organ_id`" in row and "required" in row for row in rows)
