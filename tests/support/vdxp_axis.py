"""A small national axis for tests, built from what the SDK (SDKVXP-2.0.1)
sends and reads: it checks every request the way a strict server would
(prefixed signed JSON, HMAC, the ``+SSSS`` timestamp, the key list, the
plain Content-Type, ``hash-file`` without zero padding, raw file + CRLF) and
answers with the field names the SDK reads (``DocId``, ``data``, ``docId``,
``messageType``, ``serviceType``, ``count``…)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from adapters.transport.vdxp_wire import PREFIX, SIGN_HASH, SIGN_JSON, SIGN_KEYS, sdk_hash_of

TIMESTAMP = re.compile(r"^\d{8}T\d{6}\+\d{4}$")


@dataclass
class Offered:
    doc_id: str
    data: bytes
    message_type: str
    sender: str = "000.00.00.H41"


@dataclass
class FakeAxis:
    system_id: str
    secret: str
    sent: list[dict[str, Any]] = field(default_factory=list)
    offered: list[Offered] = field(default_factory=list)
    updates: list[dict[str, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    answer_status: int | None = None
    """Answer every call with this HTTP status (503: the axis is down)."""
    refuse_send: str | None = None
    """Answer sendEdoc FAIL with this ErrorDesc."""
    problems: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 << 20)
        for name in (
            "sendEdoc",
            "getReceivedEdocList",
            "getEdoc",
            "updateStatus",
            "getSentEdocList",
            "countReceiveEdoc",
            "countReceiveStatus",
            "getAgenciesList",
        ):
            app.router.add_post(f"/{name}", self._handler(name))
        return app

    def _handler(self, name: str) -> Any:
        async def handle(request: web.Request) -> web.Response:
            self.calls.append(name)
            if self.answer_status is not None:
                return web.Response(status=self.answer_status, text="down")
            values = self._authenticate(request)
            if values is None:
                return _fail(401, "bad signature")
            body = await request.read()
            handler = getattr(self, "_" + name)
            return handler(values, body)  # type: ignore[no-any-return]

        return handle

    def _authenticate(self, request: web.Request) -> dict[str, str] | None:
        signed = request.headers.get(SIGN_JSON, "")
        digest = hmac.new(self.secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(digest, request.headers.get(SIGN_HASH, "")):
            self.problems.append("hmac")
            return None
        data = json.loads(signed)
        if not all(k.startswith(PREFIX) for k in data):
            self.problems.append("unprefixed key")
            return None
        values = {k[len(PREFIX) :]: v for k, v in data.items()}
        if request.headers.get(SIGN_KEYS, "").split(";") != list(values):
            self.problems.append("key list")
            return None
        for k, v in values.items():
            if request.headers.get(PREFIX + k) != v:
                self.problems.append(f"plain {k}")
                return None
        if values.get("systemid") != self.system_id:
            self.problems.append("systemid")
            return None
        if not TIMESTAMP.match(values.get("timestamp", "")):
            self.problems.append("timestamp")
            return None
        if request.headers.get("Content-Type") != values.get("Content-Type"):
            self.problems.append("content-type")
            return None
        if request.headers.get("User-Agent") != "JAVASDKAgent/1.0.0 XRoad/VPCP":
            self.problems.append("user-agent")
            return None
        return values

    def _sendEdoc(self, values: dict[str, str], body: bytes) -> web.Response:
        if not body.endswith(b"\r\n"):
            self.problems.append("no CRLF")
            return _fail(400, "body must end with CRLF")
        raw = body[:-2]
        if values.get("hash-file") != sdk_hash_of(raw):
            self.problems.append("hash-file")
            return _fail(400, "hash-file mismatch")
        if self.refuse_send:
            return _fail(400, self.refuse_send)
        # Deduplicate by content, as lienthong's /vdxp does by envelope identity.
        for i, s in enumerate(self.sent):
            if s["raw"] == raw:
                return _ok(DocId=f"doc-{i + 1}")
        self.sent.append({"values": values, "raw": raw, "to": json.loads(values["to"])})
        return _ok(DocId=f"doc-{len(self.sent)}")

    def _getReceivedEdocList(self, values: dict[str, str], body: bytes) -> web.Response:
        wanted = values.get("messagetype")
        done = {u["docId"] for u in self.updates if u["status"] == "done"}
        data = [
            {
                "docId": o.doc_id,
                "serviceType": "eDoc",
                "messageType": o.message_type,
                "from": o.sender,
                "to": "",
                "status": "initial",
                "status_desc": "",
                "created_time": "2026-12-07T01:00:00+00:00",
                "updated_time": "2026-12-07T01:00:00+00:00",
            }
            for o in self.offered
            if o.message_type == wanted and o.doc_id not in done
        ]
        return _ok(data=data)

    def _getEdoc(self, values: dict[str, str], body: bytes) -> web.Response:
        if body != b"{}":
            self.problems.append("getEdoc body")
        for o in self.offered:
            if o.doc_id == values.get("docId"):
                return _ok(data=base64.b64encode(o.data).decode())
        return _fail(404, "no such docId")

    def _updateStatus(self, values: dict[str, str], body: bytes) -> web.Response:
        self.updates.append(
            {
                "docId": values.get("docId", ""),
                "status": values.get("status", ""),
                "description": values.get("description", ""),
            }
        )
        return _ok()

    def _getSentEdocList(self, values: dict[str, str], body: bytes) -> web.Response:
        return _ok(data=[])

    def _countReceiveEdoc(self, values: dict[str, str], body: bytes) -> web.Response:
        return _ok(count=len([o for o in self.offered if o.message_type != "status"]))

    def _countReceiveStatus(self, values: dict[str, str], body: bytes) -> web.Response:
        return _ok(count=len([o for o in self.offered if o.message_type == "status"]))

    def _getAgenciesList(self, values: dict[str, str], body: bytes) -> web.Response:
        return _ok(
            data=[{"id": "1", "code": "000.00.00.H22", "name": "Tỉnh H22", "pid": "", "mail": ""}]
        )


def _ok(**fields: Any) -> web.Response:
    return web.json_response({"status": "OK", "ErrorCode": "0", "ErrorDesc": "", **fields})


def _fail(status: int, desc: str) -> web.Response:
    return web.json_response(
        {"status": "FAIL", "ErrorCode": str(status), "ErrorDesc": desc}, status=status
    )
