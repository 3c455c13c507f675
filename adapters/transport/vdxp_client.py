"""A VDXP client that behaves on the wire as the national SDK does
(``com.vpcp.services.KnobstickServiceImp`` / ``AgencyServiceImp`` of
SDKVXP-2.0.1, over :mod:`adapters.transport.vdxp_wire`):

Each call, as the SDK makes it (answer fields it reads in brackets):

- ``sendEdoc``: POST the raw file + CRLF as ``application/octet-stream``;
  signed ``from``, ``to`` (a JSON array), ``servicetype``, ``messagetype``,
  ``hash-file`` [``status``, ``ErrorCode``, ``ErrorDesc``, ``DocId``];
- ``getReceivedEdocList``: POST, empty body, ``application/json``; signed
  ``servicetype``, ``messagetype`` [``data[]``: ``docId``, ``serviceType``,
  ``messageType``, ``from``, ``to``, ``status``, ``created_time`` …];
- ``getEdoc``: POST ``{}``; signed ``filePath``, ``docId`` [``data``: base64];
- ``updateStatus``: POST ``{}``; signed ``status`` (done/fail), ``docId``;
- ``getSentEdocList``: POST, empty body [``data[]``: StatusResult fields];
- ``countReceiveEdoc`` / ``countReceiveStatus``: POST ``{}`` (the SDK names
  GET but posts) [``count``];
- the agency directory (``AgencyServiceImp``): ``getAgenciesList``,
  ``getAgenciesListQD20``, ``getSynchronizeUnit``: POST, empty body,
  ``application/json``; each key of the JSON argument the SDK is given is a
  signed header (``{}`` adds none) [``data[]``, per call the fields in
  :data:`AGENCY_FIELDS`].

The SDK reads an answer's body whatever the HTTP status, joining its lines;
so do we, and the HTTP status only tells an unreachable or overloaded axis
(5xx, 429) from one that answered.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp

from adapters.transport.vdxp_wire import JSON, OCTET_STREAM, header_values, signed_headers

MAX_ANSWER = 512 * 1024 * 1024
"""Largest answer read (getEdoc carries the whole file in base64)."""


class VdxpCallFailed(Exception):
    """A call that did not get an ``OK`` answer. ``reachable`` is False when
    the axis could not be reached or answered as a whole (connection, 5xx, 429,
    an answer that is not VDXP JSON)."""

    def __init__(self, call: str, detail: str, *, reachable: bool, http_status: int | None):
        super().__init__(f"VDXP {call}: {detail}")
        self.call = call
        self.detail = detail
        self.reachable = reachable
        self.http_status = http_status


@dataclass(frozen=True)
class VdxpAnswer:
    http_status: int
    data: Mapping[str, Any]

    @property
    def ok(self) -> bool:
        return str(self.data.get("ErrorCode", "")) == "0" and self.data.get("status") != "FAIL"

    @property
    def error(self) -> str:
        code = self.data.get("ErrorCode", "?")
        return (
            f"{self.data.get('status', '?')} (ErrorCode {code}): {self.data.get('ErrorDesc', '')}"
        )


@dataclass(frozen=True)
class ReceivedItem:
    """One entry of ``getReceivedEdocList`` (the SDK's ``Knobstick``)."""

    doc_id: str
    message_type: str | None = None
    service_type: str | None = None
    from_: str | None = None
    to: str | None = None
    status: str | None = None
    created_time: str | None = None


@dataclass(frozen=True)
class Agency:
    """One entry of the agency directory: the SDK's ``Agency``
    (``getAgenciesList``, ``getAgenciesListQD20``) or ``UnitSynchronize``
    (``getSynchronizeUnit``); a field the call does not carry stays empty."""

    code: str
    name: str = ""
    id: str = ""
    mail: str = ""
    pid: str = ""
    old_code: str = ""
    code102: str = ""
    center_code: str = ""
    version: int | None = None
    deleted: bool = False
    modify_date: str = ""
    is_agency: bool | None = None


AGENCY_FIELDS: dict[str, tuple[str, ...]] = {
    "getAgenciesList": ("code", "id", "mail", "name", "pid", "oldCode"),
    "getAgenciesListQD20": ("code", "id", "mail", "name", "code102"),
    "getSynchronizeUnit": (
        "code",
        "id",
        "mail",
        "name",
        "pid",
        "version",
        "centerCode",
        "deleted",
        "modifyDate",
        "isAgency",
    ),
}
"""The entry fields each directory call of ``AgencyServiceImp`` reads (its bytecode)."""

_ATTRIBUTES = {
    "oldCode": "old_code",
    "centerCode": "center_code",
    "modifyDate": "modify_date",
    "isAgency": "is_agency",
}


class BadDirectory(ValueError):
    """A directory answer the SDK could not read either."""


def parse_agencies(call: str, answer: Mapping[str, Any]) -> list[Agency]:
    """The entries of an ``OK`` directory answer, read as ``AgencyServiceImp``
    reads them. As the SDK, an answer whose ``data`` is not a list of objects,
    or holds a field it cannot convert (an object or array where it reads a
    string, a ``version`` that is no integer), is unreadable as a whole
    (:class:`BadDirectory`), so a sync keeps its last good copy rather than a
    partial one. Lenient where it is harmless: ``null`` is an absent field,
    and an entry with no ``code`` (nothing to key it by) is left out."""
    fields = AGENCY_FIELDS[call]
    data = answer.get("data")
    if not isinstance(data, list):
        raise BadDirectory(f"{call}: data is {_kind(data)}, not a list")
    found: list[Agency] = []
    for i, entry in enumerate(data):
        if not isinstance(entry, Mapping):
            raise BadDirectory(f"{call}: data[{i}] is {_kind(entry)}, not an object")
        values: dict[str, Any] = {}
        for key in fields:
            value = entry.get(key)
            if value is None:
                continue
            try:
                values[_ATTRIBUTES.get(key, key)] = _convert(key, value)
            except ValueError as exc:
                raise BadDirectory(f"{call}: data[{i}].{key}: {exc}") from None
        if values.get("code"):
            found.append(Agency(**values))
    return found


def _convert(key: str, value: Any) -> str | int | bool:
    """gson's ``getAsString`` / ``getAsInt`` / ``getAsBoolean`` of a primitive."""
    if isinstance(value, Mapping | list):
        raise ValueError(f"is {_kind(value)}, not a primitive")
    if key == "version":
        if isinstance(value, bool):
            raise ValueError("is a boolean, not an integer")
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError("is not a finite number")
            return int(value)
        try:
            return int(str(value).strip(), 10)
        except ValueError:
            raise ValueError(f"{str(value)[:40]!r} is not an integer") from None
    if key in ("deleted", "isAgency"):
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _kind(value: Any) -> str:
    if value is None:
        return "missing"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )


@dataclass
class VdxpClient:
    """One connected system on a VDXP endpoint. ``session`` is shared with the
    rest of the node's transport; ``clock`` gives the signed timestamp."""

    endpoint: str
    system_id: str
    secret: str = field(repr=False)
    session: aiohttp.ClientSession
    now: Any
    """() -> aware datetime."""
    timeout: aiohttp.ClientTimeout = field(
        default_factory=lambda: aiohttp.ClientTimeout(total=120, connect=10, sock_read=60)
    )

    # ------------------------------------------------------------------ calls

    async def send_edoc(
        self,
        *,
        sender: str,
        recipients: tuple[str, ...],
        message_type: str,
        sha256_hex: str,
        size: int,
        chunks: AsyncIterator[bytes],
        extra_headers: Mapping[str, str] | None = None,
    ) -> str:
        """``sendEdoc``; the axis' ``DocId``. ``extra_headers``: sent beside
        the signed ones, unsigned (lienthong's ``Lienthong-Hops``; an axis
        that does not know a header ignores it)."""
        from adapters.transport.vdxp_wire import gson_array, sdk_hash_file

        call = {
            "from": sender,
            "to": gson_array(recipients),
            "servicetype": "eDoc",
            "messagetype": message_type,
            "hash-file": sdk_hash_file(sha256_hex),
        }
        answer = await self._post(
            "sendEdoc",
            call,
            OCTET_STREAM,
            _with_crlf(chunks),
            size=size + 2,
            extra_headers=extra_headers,
        )
        doc_id = answer.data.get("DocId")
        if not isinstance(doc_id, str | int) or not str(doc_id):
            raise VdxpCallFailed(
                "sendEdoc",
                "the answer has no DocId",
                reachable=True,
                http_status=answer.http_status,
            )
        return str(doc_id)

    async def received(self, message_type: str) -> list[ReceivedItem]:
        call = {"servicetype": "eDoc", "messagetype": message_type}
        answer = await self._post("getReceivedEdocList", call, JSON, None)
        return [_item(e) for e in _list(answer, "getReceivedEdocList") if _item(e).doc_id]

    async def get_edoc(self, doc_id: str) -> bytes:
        answer = await self._post("getEdoc", {"filePath": "xml", "docId": doc_id}, JSON, b"{}")
        data = answer.data.get("data")
        if not isinstance(data, str):
            raise VdxpCallFailed(
                "getEdoc", f"no data for {doc_id}", reachable=True, http_status=answer.http_status
            )
        try:
            return base64.b64decode(data, validate=False)
        except ValueError:
            raise VdxpCallFailed(
                "getEdoc", "data is not base64", reachable=True, http_status=answer.http_status
            ) from None

    async def update_status(self, doc_id: str, status: str, reason: str = "") -> None:
        call = {"status": status, "docId": doc_id}
        if reason:
            call["description"] = _header_safe(reason)
        await self._post("updateStatus", call, JSON, b"{}")

    async def sent(self) -> list[Mapping[str, Any]]:
        answer = await self._post("getSentEdocList", {}, JSON, None)
        return [e for e in _list(answer, "getSentEdocList") if isinstance(e, Mapping)]

    async def count(self, what: str) -> int:
        """``what``: ``Edoc`` or ``Status`` (``countReceiveEdoc`` / ``countReceiveStatus``)."""
        answer = await self._post(f"countReceive{what}", {}, JSON, b"{}")
        try:
            return int(answer.data.get("count", 0))
        except (TypeError, ValueError):
            return 0

    async def agencies(
        self, call: str = "getAgenciesList", args: Mapping[str, str] | None = None
    ) -> list[Agency]:
        """A directory call of ``AgencyServiceImp`` (see :data:`AGENCY_FIELDS`);
        ``args``: the JSON argument the SDK is given (its keys are signed headers)."""
        if call not in AGENCY_FIELDS:
            raise ValueError(f"not a directory call: {call}")
        answer = await self._post(call, dict(args or {}), JSON, None)
        try:
            return parse_agencies(call, answer.data)
        except BadDirectory as exc:
            raise VdxpCallFailed(
                call, str(exc), reachable=True, http_status=answer.http_status
            ) from None

    # ------------------------------------------------------------------ HTTP

    async def _post(
        self,
        name: str,
        call: Mapping[str, str],
        content_type: str,
        body: bytes | AsyncIterator[bytes] | None,
        *,
        size: int | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> VdxpAnswer:
        values = header_values(
            system_id=self.system_id, at=self._at(), content_type=content_type, call=call
        )
        headers = signed_headers(values, self.secret)
        if body is None:
            body = b""
        if size is not None:
            headers.append(("Content-Length", str(size)))
        headers.extend((extra_headers or {}).items())
        url = self.endpoint.rstrip("/") + "/" + name
        try:
            async with self.session.post(
                url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            ) as resp:
                status = resp.status
                raw = await _read_all(resp, name)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise VdxpCallFailed(
                name,
                f"cannot reach {url}: {type(exc).__name__}: {exc}",
                reachable=False,
                http_status=None,
            ) from None
        text = "".join(raw.decode("utf-8", "replace").splitlines())  # readLine() joined
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = None
        if status >= 500 or status == 429 or not isinstance(data, dict):
            excerpt = text[:200] or "(empty)"
            raise VdxpCallFailed(
                name, f"HTTP {status}: {excerpt}", reachable=False, http_status=status
            )
        answer = VdxpAnswer(status, data)
        if not answer.ok:
            raise VdxpCallFailed(name, answer.error, reachable=True, http_status=status)
        return answer

    def _at(self) -> datetime:
        at: datetime = self.now()
        return at


async def _read_all(resp: aiohttp.ClientResponse, call: str) -> bytes:
    """The whole answer, at most MAX_ANSWER bytes. (``StreamReader.read(n)``
    returns what has arrived so far, not n bytes: a getEdoc answer larger than
    one network read would be cut and taken for a non-VDXP answer.)"""
    parts: list[bytes] = []
    total = 0
    async for chunk in resp.content.iter_chunked(1 << 16):  # bounded by MAX_ANSWER
        total += len(chunk)
        if total > MAX_ANSWER:
            raise VdxpCallFailed(
                call,
                f"answer larger than {MAX_ANSWER} bytes",
                reachable=True,
                http_status=resp.status,
            )
        parts.append(chunk)
    return b"".join(parts)


async def _with_crlf(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield chunk
    yield b"\r\n"


def _list(answer: VdxpAnswer, call: str) -> list[Any]:
    data = answer.data.get("data")
    if data is None:
        return []
    if not isinstance(data, list):
        raise VdxpCallFailed(call, "data is not a list", reachable=True, http_status=None)
    return data


def _item(entry: Any) -> ReceivedItem:
    if not isinstance(entry, Mapping):
        return ReceivedItem("")

    def text(key: str) -> str | None:
        value = entry.get(key)
        return None if value is None else str(value)

    return ReceivedItem(
        doc_id=text("docId") or "",
        message_type=text("messageType"),
        service_type=text("serviceType"),
        from_=text("from"),
        to=text("to"),
        status=text("status"),
        created_time=text("created_time"),
    )


def _header_safe(text: str) -> str:
    """A reason fit for an HTTP header value: one line, ASCII, bounded."""
    flat = " ".join(text.split())
    return flat.encode("ascii", "replace").decode("ascii")[:300]
