"""Inbox with cursor, raw bytes byte for byte, idempotent ack, trace."""

from __future__ import annotations

import hashlib

from tests.integration.service.conftest import STTTT, UBND, XML, Harness


async def _submit(node: Harness, data: bytes) -> str:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=data, headers={**UBND, **XML}
    ) as resp:
        assert resp.status == 202
        return str((await resp.json())["id"])


def _variant(sample: bytes, n: int) -> bytes:
    return sample.replace(b"<edXML:CodeNumber>1234<", f"<edXML:CodeNumber>{n}<".encode()).replace(
        b",1234/UBND", f",{n}/UBND".encode()
    )


async def test_inbox_pages_with_a_cursor(node: Harness, sample_document: bytes) -> None:
    ids = [await _submit(node, _variant(sample_document, n)) for n in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        async with node.http.get(f"{node.url}/api/v1/inbox", params=params, headers=STTTT) as resp:
            assert resp.status == 200
            page = await resp.json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    item = page["items"][-1]
    assert set(item) >= {"id", "kind", "from", "document_id", "received_at"}
    assert item["kind"] == "document"


async def test_bad_inbox_parameters_are_listed(node: Harness) -> None:
    async with node.http.get(
        f"{node.url}/api/v1/inbox", params={"limit": "0", "cursor": ""}, headers=STTTT
    ) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert [e["path"] for e in body["errors"]] == ["query.limit", "query.cursor"]


async def test_message_is_served_byte_for_byte(node: Harness, sample_document: bytes) -> None:
    message_id = await _submit(node, sample_document)
    async with node.http.get(f"{node.url}/api/v1/messages/{message_id}", headers=STTTT) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/xml"
        assert resp.content_length == len(sample_document)
        digest = resp.headers["Lienthong-Content-SHA256"]
        data = await resp.read()
    assert data == sample_document
    assert digest == hashlib.sha256(sample_document).hexdigest()


async def test_unknown_message_is_404(node: Harness) -> None:
    async with node.http.get(f"{node.url}/api/v1/messages/nope", headers=STTTT) as resp:
        assert resp.status == 404
        assert resp.content_type == "application/problem+json"


async def test_ack_removes_from_inbox_and_is_idempotent(
    node: Harness, sample_document: bytes
) -> None:
    message_id = await _submit(node, sample_document)
    for _ in range(2):
        async with node.http.post(
            f"{node.url}/api/v1/messages/{message_id}/ack", headers=STTTT
        ) as resp:
            assert resp.status == 204
    async with node.http.get(f"{node.url}/api/v1/inbox", headers=STTTT) as resp:
        assert (await resp.json())["items"] == []


async def test_sender_traces_its_document(node: Harness, sample_document: bytes) -> None:
    message_id = await _submit(node, sample_document)
    async with node.http.get(
        f"{node.url}/api/v1/documents/{message_id}/trace", headers=UBND
    ) as resp:
        assert resp.status == 200
        trace = await resp.json()
    assert trace["id"] == message_id
    assert trace["sender"] == "000.00.00.H41"
    assert trace["deliveries"][0]["destination"] == {"kind": "peer", "name": "up"}
    assert trace["received_at"].endswith("+00:00")
