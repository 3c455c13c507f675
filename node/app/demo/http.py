"""A tiny HTTP client on the standard library for the demo's simulated DMSs,
its operator (admin API) and its forger (peer API over mutual TLS)."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class HttpError(Exception):
    """The server could not be reached or did not answer in time."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def detail(self) -> str:
        data = self.json()
        if isinstance(data, dict) and "detail" in data:
            return str(data["detail"])
        return self.body[:200].decode("utf-8", "replace")


class Http:
    def __init__(self, *, timeout: float = 30.0, context: ssl.SSLContext | None = None) -> None:
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)
        self._timeout = timeout

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310 - http(s) URLs we built
        try:
            with self._opener.open(req, timeout=self._timeout) as resp:
                return Reply(resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Reply(exc.code, exc.read())
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise HttpError(f"{method} {url}: {reason}") from None

    def get(self, url: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", url, headers=headers)


class DmsClient:
    """A DMS as the demo simulates it: submit, list the inbox, fetch, acknowledge."""

    def __init__(self, name: str, base_url: str, token: str) -> None:
        self.name = name
        self.base = base_url.rstrip("/")
        self._auth = {"Authorization": f"Bearer {token}"}
        self._http = Http()

    def submit(self, data: bytes, *, status: bool = False) -> Reply:
        path = "/api/v1/statuses" if status else "/api/v1/documents"
        headers = {**self._auth, "Content-Type": "application/xml"}
        return self._http.request("POST", self.base + path, body=data, headers=headers)

    def inbox(self) -> list[dict[str, Any]]:
        reply = self._http.get(self.base + "/api/v1/inbox?limit=100", self._auth)
        if reply.status != 200:
            raise HttpError(f"{self.name} inbox: HTTP {reply.status}: {reply.detail}")
        items: list[dict[str, Any]] = reply.json()["items"]
        return items

    def fetch(self, message_id: str) -> bytes:
        reply = self._http.get(f"{self.base}/api/v1/messages/{message_id}", self._auth)
        if reply.status != 200:
            raise HttpError(f"{self.name} fetch {message_id}: HTTP {reply.status}")
        return reply.body

    def ack(self, message_id: str) -> int:
        url = f"{self.base}/api/v1/messages/{message_id}/ack"
        return self._http.request("POST", url, headers=self._auth).status


class AdminClient:
    """The operator's view: the admin API of one node."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base = base_url.rstrip("/") + "/admin/v1"
        self._auth = {"Authorization": f"Bearer {token}"}
        self._http = Http()

    def get(self, path: str) -> Any:
        reply = self._http.get(self.base + path, self._auth)
        if reply.status != 200:
            raise HttpError(f"admin {path}: HTTP {reply.status}: {reply.detail}")
        return reply.json()
