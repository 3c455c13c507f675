"""Bearer-token authentication: the presented token is hashed (SHA-256) and
looked up among the configured hashes, so the node never holds tokens in clear."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Generic, TypeVar

from node.errors import Unauthorized

P = TypeVar("P")


class TokenAuth(Generic[P]):
    """Maps SHA-256 hex digests of bearer tokens to principals."""

    def __init__(self, by_digest: Mapping[str, P]) -> None:
        self._by_digest = dict(by_digest)

    def authenticate(self, authorization: str | None) -> P:
        token = bearer_token(authorization)
        principal = self._by_digest.get(hashlib.sha256(token.encode("utf-8")).hexdigest())
        if principal is None:
            raise Unauthorized("the bearer token is not known to this node")
        return principal


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("send the token as 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return token.strip()
