"""A DMS as the harness plays it: submits over HTTP (retrying while the node is
down or answers 503, exactly as a real DMS must), reads, and acknowledges its inbox."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

Seen = dict[str, set[str]]
"""Document id (or "document id + status code") → inbox message ids seen for it."""
TRANSIENT = (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)
TIMEOUT = aiohttp.ClientTimeout(total=30)


class Refused(Exception):
    """The node answered 4xx: the message is refused for good."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:300]}")
        self.status = status


@dataclass
class Answers:
    """What the node answered, by HTTP status (and 'down' for no answer)."""

    by_status: Counter[str] = field(default_factory=Counter)

    def note(self, what: int | str) -> None:
        self.by_status[str(what)] += 1


class Dms:
    def __init__(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self.http = http
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.answers = Answers()

    async def submit(
        self, data: bytes, *, kind: str = "documents", give_up_after: float = 120.0
    ) -> dict[str, Any]:
        """POST until the node answers 200/202 (same bytes every time: the node
        answers a repeat with the first answer) or refuses (4xx → Refused).
        Connection failures and 5xx are retried, with a bounded total time."""
        deadline = time.monotonic() + give_up_after
        delay = 0.05
        while True:
            try:
                async with self._post(data, kind) as resp:
                    self.answers.note(resp.status)
                    if resp.status in (200, 202):
                        answer: dict[str, Any] = await resp.json()
                        return answer
                    text = await resp.text()
                    if resp.status < 500:
                        raise Refused(resp.status, text)
            except TRANSIENT:
                self.answers.note("down")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.url}: no answer for {give_up_after:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _post(self, data: bytes, kind: str) -> Any:
        return self.http.post(
            f"{self.url}/api/v1/{kind}",
            data=data,
            headers={**self.headers, "Content-Type": "application/xml"},
            timeout=TIMEOUT,
        )

    async def post_once(self, data: bytes, *, kind: str = "documents") -> int | str:
        """One POST; the HTTP status, or "down" when nothing answered."""
        try:
            async with self._post(data, kind) as resp:
                await resp.read()
                self.answers.note(resp.status)
                return resp.status
        except TRANSIENT:
            self.answers.note("down")
            return "down"

    async def ready(self) -> int | str:
        """The /readyz status, or "down"."""
        try:
            async with self.http.get(f"{self.url}/readyz", timeout=TIMEOUT) as resp:
                return resp.status
        except TRANSIENT:
            return "down"

    async def drain(self, want: set[str], *, kind: str, patience: float = 60.0) -> Seen:
        """Read and acknowledge the inbox until every document id in ``want`` was
        seen (with status messages: per (document id, status code)), or until
        ``patience`` seconds passed."""
        seen: Seen = {}
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            for item in await self.inbox():
                if item["kind"] == kind:
                    key = item["document_id"]
                    if kind == "status":
                        key = f"{key} {item.get('status_code')}"
                    seen.setdefault(key, set()).add(item["id"])
                await self.ack(item["id"])
            if {k.split(" ")[0] for k in seen} >= want:
                return seen
            await asyncio.sleep(0.05)
        return seen

    async def inbox(self, limit: int = 200) -> list[dict[str, Any]]:
        """One page of unacknowledged items ([] while the node is down)."""
        try:
            async with self.http.get(
                f"{self.url}/api/v1/inbox",
                params={"limit": str(limit)},
                headers=self.headers,
                timeout=TIMEOUT,
            ) as resp:
                if resp.status != 200:
                    return []
                items: list[dict[str, Any]] = (await resp.json())["items"]
                return items
        except TRANSIENT:
            self.answers.note("down")
            return []

    async def fetch(self, message_id: str) -> bytes | None:
        try:
            async with self.http.get(
                f"{self.url}/api/v1/messages/{message_id}", headers=self.headers, timeout=TIMEOUT
            ) as resp:
                return await resp.read() if resp.status == 200 else None
        except TRANSIENT:
            self.answers.note("down")
            return None

    async def ack(self, message_id: str) -> bool:
        try:
            async with self.http.post(
                f"{self.url}/api/v1/messages/{message_id}/ack",
                headers=self.headers,
                timeout=TIMEOUT,
            ) as resp:
                return resp.status == 204
        except TRANSIENT:
            self.answers.note("down")
            return False

    async def metric(self, name: str, **labels: str) -> float:
        """Sum of a Prometheus sample over the series matching ``labels``."""
        async with self.http.get(f"{self.url}/metrics", timeout=TIMEOUT) as resp:
            text = await resp.text()
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            series, _, value = line.rpartition(" ")
            if all(f'{k}="{v}"' in series for k, v in labels.items()):
                total += float(value)
        return total
