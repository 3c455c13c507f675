"""Typed values of ``node.toml`` and the generic loader that turns TOML tables
into the frozen dataclasses of :mod:`node.config.model`.

Every field of the model carries its documentation and its value check in
``dataclasses.field(metadata=...)`` (see :func:`doc`), so the loader, the error
messages and the generated reference (:mod:`node.config.reference`) all come
from one place. Errors name the key as the user wrote it: ``peers[1].url``.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Union
from urllib.parse import urlsplit

from node.errors import ConfigError
from node.organ import OrganPattern, organ_id_problem

Check = Callable[[Any], str | None]
"""A value check: None when the value is fine, else what is wrong with it."""


def doc(
    text: str, *, check: Check | None = None, secret: bool = False, toml: bool = True
) -> dict[str, Any]:
    """Field metadata: the documentation line, an optional value check, whether
    the value must never be shown (repr, logs), and whether it is a TOML key at
    all (False for what the loader fills in itself)."""
    return {"doc": text, "check": check, "secret": secret, "toml": toml}


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class HostPort:
    """A listen address, written ``"host:port"`` (``"[::1]:8080"`` for IPv6).
    Port 0 asks the operating system for a free port."""

    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> HostPort:
        match = re.fullmatch(r"(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]]+)):(\d{1,5})", text)
        if not match:
            raise ValueError('must be "host:port", e.g. "127.0.0.1:8080"')
        port = int(match.group(3))
        if port > 65535:
            raise ValueError(f"port {port} is out of range 0-65535")
        return cls(match.group(1) or match.group(2), port)

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


_DURATION_PART = re.compile(r"(\d+)(ms|s|m|h|d)")
_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
}


def parse_duration(text: str) -> timedelta:
    """``"500ms"``, ``"5s"``, ``"10m"``, ``"2h"``, ``"3d"`` or combinations (``"1h30m"``)."""
    pos, total = 0, timedelta()
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError('must be a duration like "500ms", "5s", "10m", "2h" or "3d"')
    return total


def format_duration(value: timedelta) -> str:
    ms = round(value.total_seconds() * 1000)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


# --------------------------------------------------------------------------- value checks


def organ_id(value: str) -> str | None:
    return organ_id_problem(value)


def organ_pattern(value: str) -> str | None:
    try:
        OrganPattern.parse(value)
    except ValueError as exc:
        return str(exc)
    return None


def sha256_hex(value: str) -> str | None:
    if re.fullmatch(r"[0-9a-f]{64}", value):
        return None
    return "must be the SHA-256 of the token as 64 lowercase hex digits (see `lienthong init`)"


def env_name(value: str) -> str | None:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return None
    return "must be the name of an environment variable (letters, digits, _)"


def https_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return "must be an https:// URL"
    return None


def http_url(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL"
    return None


def storage_url(value: str) -> str | None:
    if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
        return None
    if value.startswith(("postgresql://", "postgres://")):
        return None
    return 'must be "sqlite:///path/node.db" or "postgresql://user@host/db"'


def positive(value: float | timedelta) -> str | None:
    if isinstance(value, timedelta):
        return None if value > timedelta() else "must be greater than zero"
    return None if value > 0 else "must be greater than zero"


def at_least(minimum: float) -> Check:
    def check(value: float) -> str | None:
        return None if value >= minimum else f"must be at least {minimum}"

    return check


def fraction(value: float) -> str | None:
    return None if 0 <= value < 1 else "must be at least 0 and below 1"


DIRECTORY_CALLS = ("getAgenciesList", "getAgenciesListQD20", "getSynchronizeUnit")


def directory_call(value: str) -> str | None:
    return None if value in DIRECTORY_CALLS else "must be one of " + ", ".join(DIRECTORY_CALLS)


def name_token(value: str) -> str | None:
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", value):
        return None
    return "must be 1-64 characters: letters, digits, '.', '_' or '-'"


# --------------------------------------------------------------------------- loading


class _Loader:
    """Converts TOML data to model instances; paths resolve against ``base``."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def load(self, cls: type[Any], data: object, key: str) -> Any:
        if not isinstance(data, dict):
            raise ConfigError(f"{key or 'node.toml'}: must be a table")
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if f.metadata.get("toml", True)}
        unknown = sorted(set(data) - set(fields))
        if unknown:
            where = _join(key, unknown[0])
            known = ", ".join(sorted(fields))
            raise ConfigError(f"{where}: unknown key (known keys here: {known})")
        values: dict[str, Any] = {}
        for name, f in fields.items():
            sub = _join(key, name)
            if name in data:
                values[name] = self.value(hints[name], data[name], sub, f.metadata)
            elif _required(f):
                raise ConfigError(f"{sub}: required key is missing")
        return cls(**values)

    def value(self, hint: Any, raw: object, key: str, meta: Mapping[str, Any]) -> Any:
        converted = self._convert(hint, raw, key, meta)
        check: Check | None = meta.get("check")
        if check is not None and converted is not None:
            items = converted if isinstance(converted, tuple) else (converted,)
            for index, item in enumerate(items):
                problem = check(item)
                if problem:
                    where = f"{key}[{index}]" if isinstance(converted, tuple) else key
                    raise ConfigError(f"{where}: {problem}")
        return converted

    def _convert(self, hint: Any, raw: object, key: str, meta: Mapping[str, Any]) -> Any:
        origin = typing.get_origin(hint)
        if origin in (Union, types.UnionType):
            inner = [a for a in typing.get_args(hint) if a is not type(None)]
            return self._convert(inner[0], raw, key, meta)
        if origin is tuple:
            item_type = typing.get_args(hint)[0]
            if not isinstance(raw, list):
                raise ConfigError(f"{key}: must be a list")
            return tuple(
                self._convert(item_type, item, f"{key}[{i}]", meta) for i, item in enumerate(raw)
            )
        if dataclasses.is_dataclass(hint) and hint is not HostPort:
            return self.load(typing.cast(type[Any], hint), raw, key)
        return self._scalar(hint, raw, key)

    def _scalar(self, hint: Any, raw: object, key: str) -> Any:
        if hint is bool:
            if not isinstance(raw, bool):
                raise ConfigError(f"{key}: must be true or false")
            return raw
        if hint is int:
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise ConfigError(f"{key}: must be an integer")
            return raw
        if hint is float:
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise ConfigError(f"{key}: must be a number")
            return float(raw)
        if hint is date:
            if isinstance(raw, date):
                return raw
            if isinstance(raw, str):
                try:
                    return date.fromisoformat(raw)
                except ValueError:
                    pass
            raise ConfigError(f'{key}: must be a date like 2025-09-02 or "2025-09-02"')
        if not isinstance(raw, str):
            raise ConfigError(f"{key}: must be a string")
        return self._from_string(hint, raw, key)

    def _from_string(self, hint: Any, raw: str, key: str) -> Any:
        try:
            if hint is str:
                return raw
            if hint is Path:
                if not raw:
                    raise ValueError("must not be empty")
                path = Path(raw).expanduser()
                return path if path.is_absolute() else self.base / path
            if hint is timedelta:
                return parse_duration(raw)
            if hint is HostPort:
                return HostPort.parse(raw)
            if isinstance(hint, type) and issubclass(hint, enum.Enum):
                try:
                    return hint(raw)
                except ValueError:
                    choices = " | ".join(f'"{m.value}"' for m in hint)
                    raise ValueError(f"must be one of {choices}") from None
        except ValueError as exc:
            raise ConfigError(f"{key}: {exc}") from None
        raise TypeError(f"no loader for {hint!r} at {key}")  # a model defect, not user input


def load_table(cls: type[Any], data: Mapping[str, Any], base: Path) -> Any:
    """Build ``cls`` from a TOML table; raises ConfigError naming the key."""
    return _Loader(base).load(cls, dict(data), "")


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name
