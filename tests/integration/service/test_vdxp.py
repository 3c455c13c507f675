"""The VDXP-compatible API over the real core: a DMS built on the national
axis SDK sends, lists, fetches, acknowledges and counts through /vdxp, with
the same validation and storage as the DMS API; every refusal is a VDXP
``FAIL`` answer with a specific ``ErrorDesc`` and a 4xx status."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from adapters.http.vdxp_auth import signed_headers
from tests.integration.service.real import H41, S41, RealNode, real_node, wait_for_inbox
from tests.support.messages import document

SECRET = "vdxp-secret-of-the-test-dms"
ICT = timezone(timedelta(hours=7))


def _with_vdxp(text: str) -> str:
    return text.replace('delivery = "pull"', 'delivery = "pull"\nvdxp_secret_env = "LT_VDXP"')


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RealNode]:
    async with real_node(
        tmp_path / "node", max_bytes=1 << 20, edit=_with_vdxp, environ={"LT_VDXP": SECRET}
    ) as n:
        yield n


def stamp(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).astimezone(ICT).strftime("%d%m%YT%H%M%S%z")


def vdxp(system: str, secret: str = SECRET, **values: str) -> dict[str, str]:
    return signed_headers(
        {"systemid": system, "timestamp": stamp(), **values}, secret.encode("utf-8")
    )


async def call(
    node: RealNode, method: str, name: str, headers: dict[str, str], data: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    async with node.http.request(
        method, f"{node.url}/vdxp/{name}", headers=headers, data=data
    ) as resp:
        assert resp.content_type == "application/json"
        return resp.status, await resp.json()


def send_headers(data: bytes, sender: str = H41, **over: str) -> dict[str, str]:
    values = {
        "from": sender,
        "to": json.dumps([S41]),
        "servicetype": "eDoc",
        "messagetype": "edoc",
        "hash-file": hashlib.sha256(data).hexdigest(),
        **over,
    }
    return {**vdxp(H41, **values), "Content-Type": "application/xml"}


async def test_a_vdxp_sdk_round_trip(node: RealNode) -> None:
    data, document_id = document(H41, (S41,))
    status, sent = await call(node, "POST", "sendEdoc", send_headers(data), data)
    assert status == 200, sent
    assert (sent["status"], sent["ErrorCode"], sent["document_id"]) == ("OK", "0", document_id)
    again = await call(node, "POST", "sendEdoc", send_headers(data), data)
    assert again == (200, sent), "a resend answers the first DocId, nothing stored twice"

    await wait_for_inbox(node, S41, 1)
    status, listed = await call(
        node, "POST", "getReceivedEdocList", vdxp(S41, servicetype="eDoc", messagetype="edoc")
    )
    assert status == 200, listed
    (item,) = listed["data"]
    assert (item["from"], item["to"], item["document_id"]) == (H41, S41, document_id)
    assert await call(node, "GET", "countReceiveEdoc", vdxp(S41)) == (
        200,
        {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "count": 1},
    )

    status, fetched = await call(node, "POST", "getEdoc", vdxp(S41, docId=item["docId"]))
    assert status == 200, fetched
    async with node.http.get(
        f"{node.url}/api/v1/messages/{item['docId']}", headers=node.dms(S41)
    ) as resp:
        stored = await resp.read()
    assert base64.b64decode(fetched["data"], validate=True) == stored

    status, done = await call(
        node, "POST", "updateStatus", vdxp(S41, docid=item["docId"], status="done")
    )
    assert (status, done["status"]) == (200, "OK")
    assert (await call(node, "GET", "countReceiveEdoc", vdxp(S41)))[1]["count"] == 0

    # The automatic 01 reached the sender; it reads it as a VDXP status.
    await wait_for_inbox(node, H41, 1)
    _, statuses = await call(node, "POST", "getReceivedEdocList", vdxp(H41, messagetype="status"))
    assert [(s["status"], s["document_id"]) for s in statuses["data"]] == [("01", document_id)]
    assert (await call(node, "GET", "countReceiveStatus", vdxp(H41)))[1]["count"] == 1
    _, mine = await call(node, "POST", "getSentEdocList", vdxp(H41))
    assert [(d["docId"], d["to"]) for d in mine["data"]] == [(sent["DocId"], [S41])]


async def test_fail_leaves_the_message_in_the_inbox(node: RealNode) -> None:
    data, _ = document(H41, (S41,))
    assert (await call(node, "POST", "sendEdoc", send_headers(data), data))[0] == 200
    (item,) = await wait_for_inbox(node, S41, 1)
    status, _ = await call(node, "POST", "updateStatus", vdxp(S41, docid=item["id"], status="fail"))
    assert status == 200
    assert (await call(node, "GET", "countReceiveEdoc", vdxp(S41)))[1]["count"] == 1


def _tampered_hash(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "XroadVnpt-hash-header": "0" * 64}


@pytest.mark.parametrize(
    ("make", "status", "says"),
    [
        (lambda data: _tampered_hash(send_headers(data)), 401, "does not match"),
        (
            lambda data: {
                **vdxp(H41, SECRET + "x", **{"from": H41}),
                "Content-Type": "application/xml",
            },
            401,
            "does not match",
        ),
        (
            lambda data: {**send_headers(data), "XroadVnpt-from": S41},
            401,
            "differs from its signed value",
        ),
        (lambda data: send_headers(data, sender=S41), 400, "is not an organ of system"),
        (lambda data: send_headers(data, **{"hash-file": "ab" * 32}), 400, "hash-file"),
        (lambda data: send_headers(data, messagetype="fax"), 400, "messagetype 'fax'"),
        (lambda data: send_headers(data, to="G22"), 400, "JSON array"),
        (lambda data: {"Content-Type": "application/xml"}, 401, "XroadVnpt-sign-header-key"),
    ],
    ids=["bad-hmac", "wrong-secret", "unsigned-override", "from", "hash", "type", "to", "none"],
)
async def test_refusals_are_specific_and_store_nothing(
    node: RealNode, make: Any, status: int, says: str
) -> None:
    data, _ = document(H41, (S41,))
    got, answer = await call(node, "POST", "sendEdoc", make(data), data)
    assert got == status, answer
    assert (answer["status"], answer["ErrorCode"]) == ("FAIL", str(status))
    assert says in answer["ErrorDesc"]
    async with node.http.get(f"{node.url}/admin/v1/messages", headers=node.admin) as resp:
        assert (await resp.json())["items"] == []


async def test_validation_errors_are_spelled_out_in_error_desc(node: RealNode) -> None:
    """ErrorDesc is all an SDK user sees: each validation error is in it."""
    data, _ = document(H41, (S41,))
    bad = data.replace(b"<edXML:DueDate>2026/12/04<", b"<edXML:DueDate>2026/02/30<", 1)
    assert bad != data
    got, answer = await call(node, "POST", "sendEdoc", send_headers(bad), bad)
    assert got == 400, answer
    assert answer["ErrorDesc"].startswith("1 validation error(s): line ")
    assert (
        "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/DueDate: '2026/02/30' is not a real "
        "calendar date" in answer["ErrorDesc"]
    )


async def test_an_old_timestamp_is_accepted_as_the_sdk_sends_it(node: RealNode) -> None:
    """The SDK fixes its timestamp once per client object: hours old is normal."""
    old = stamp(datetime.now(UTC) - timedelta(hours=3))
    headers = signed_headers({"systemid": S41, "timestamp": old}, SECRET.encode())
    status, answer = await call(node, "POST", "countReceiveEdoc", headers)
    assert (status, answer["count"]) == (200, 0)
    bad = signed_headers({"systemid": S41, "timestamp": "yesterday"}, SECRET.encode())
    status, answer = await call(node, "POST", "countReceiveEdoc", bad)
    assert (status, answer["DocId"], answer["count"]) == (401, "", 0)
    assert "ddMMyyyy'T'HHmmss+SSSS" in answer["ErrorDesc"]


async def test_an_unknown_system_and_an_unknown_message(node: RealNode) -> None:
    status, answer = await call(node, "GET", "countReceiveEdoc", vdxp("000.00.00.G22"))
    assert (status, answer["status"]) == (401, "FAIL")
    assert "systemid" in answer["ErrorDesc"]
    status, answer = await call(node, "POST", "getEdoc", vdxp(S41, docId="no-such-message"))
    assert (status, answer["status"], answer["ErrorCode"]) == (404, "FAIL", "404")
    status, answer = await call(node, "POST", "getEdoc", vdxp(S41))
    assert status == 400
    assert "XroadVnpt-docid" in answer["ErrorDesc"]


async def test_a_node_without_vdxp_systems_says_it_is_not_enabled(tmp_path: Path) -> None:
    async with real_node(tmp_path / "plain") as plain:
        status, answer = await call(plain, "GET", "countReceiveEdoc", vdxp(S41))
    assert status == 404
    assert "not enabled" in answer["ErrorDesc"]
