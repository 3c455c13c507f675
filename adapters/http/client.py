"""A small client of a node's DMS and admin APIs (used by ``lienthong send``,
``lienthong admin`` and the demo). Bodies are streamed from files; answers
are decoded JSON (problem+json included); network failures are one exception."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp


class NodeUnreachable(Exception):
    """The node could not be reached or did not answer in time."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    data: Any
    """Decoded JSON, or the text when the answer is not JSON."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def problem_detail(self) -> str:
        if isinstance(self.data, dict) and "detail" in self.data:
            return str(self.data["detail"])
        return f"HTTP {self.status}"

    @property
    def problem_errors(self) -> list[dict[str, Any]]:
        errors = self.data.get("errors") if isinstance(self.data, dict) else None
        return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


class NodeClient:
    def __init__(self, base_url: str, token: str | None, *, timeout: float = 300.0) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=10)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> NodeClient:
        self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def submit(self, file: Path, *, status: bool, idempotency_key: str | None) -> Answer:
        """POST an edXML file to /api/v1/documents (or /statuses), streamed."""
        headers = {**self._headers, "Content-Type": "application/xml"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        path = "/api/v1/statuses" if status else "/api/v1/documents"
        with file.open("rb") as body:
            return await self.request("POST", path, data=body, headers=headers)

    async def get(self, path: str, params: dict[str, str] | None = None) -> Answer:
        return await self.request("GET", path, params=params)

    async def post(self, path: str) -> Answer:
        return await self.request("POST", path)

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Answer:
        if self._session is None:
            raise RuntimeError("use NodeClient as an async context manager")
        try:
            async with self._session.request(
                method, self._base + path, headers=headers or self._headers, **kwargs
            ) as resp:
                text = await resp.text(errors="replace")
                return Answer(resp.status, resp.content_type, _decode(text, resp.content_type))
        except (aiohttp.ClientError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            raise NodeUnreachable(f"cannot reach {self._base}: {reason}") from None


def _decode(text: str, content_type: str) -> Any:
    if content_type.endswith("json") and text:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
