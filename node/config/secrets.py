"""Secrets in memory: tokens are compared by their SHA-256, passwords and
webhook secrets are read from environment variables and wrapped so that no
repr, log line or traceback shows them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from node.errors import ConfigError


class Secret:
    """A secret string; ``reveal()`` is the only way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(token_sha256(self._value))


def secret_from_env(key: str, name: str, environ: Mapping[str, str]) -> Secret:
    """The value of environment variable ``name``, which config key ``key`` names."""
    value = environ.get(name)
    if not value:
        raise ConfigError(f"{key}: environment variable {name} is not set")
    return Secret(value)


def token_sha256(token: str) -> str:
    """What node.toml stores for a bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


TOKEN_PREFIX = "lt_"  # noqa: S105 - a public marker, not a secret


def new_token() -> str:
    """A fresh bearer token (256 bits, URL-safe). The prefix makes it
    recognisable to secret scanners and keeps it from starting with "-",
    which a command line (``--token -abc…``) would read as an option."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)
