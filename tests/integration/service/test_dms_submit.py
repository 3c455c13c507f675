"""Submitting a document or a status: 202 once stored, 200 with the first answer
for a duplicate, the body handed over exactly as received."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.integration.service.conftest import STTTT, UBND, XML, Harness, harness


async def test_document_accepted_then_duplicate_answers_the_same(
    node: Harness, sample_document: bytes
) -> None:
    url = f"{node.url}/api/v1/documents"
    async with node.http.post(url, data=sample_document, headers={**UBND, **XML}) as resp:
        assert resp.status == 202
        first = await resp.json()
        assert resp.headers["Location"] == f"/api/v1/messages/{first['id']}"
    assert set(first) == {"id", "document_id", "state"}
    assert first["document_id"] == "000.00.00.H41,2026/11/20,1234/UBND-KGVX"
    async with node.http.post(url, data=sample_document, headers={**UBND, **XML}) as resp:
        assert resp.status == 200
        assert await resp.json() == first
    stored = node.exchange.messages[first["id"]]
    assert stored.body.path.read_bytes() == sample_document
    assert stored.body.sha256 == hashlib.sha256(sample_document).hexdigest()
    assert len(node.exchange.messages) == 1
    assert node.spooled() == []


async def test_idempotency_key_is_passed_to_the_core(node: Harness, sample_document: bytes) -> None:
    url = f"{node.url}/api/v1/documents"
    headers = {**UBND, **XML, "Idempotency-Key": "dms-42"}
    async with node.http.post(url, data=sample_document, headers=headers) as resp:
        first = await resp.json()
    changed = sample_document.replace(b"UBND-KGVX</edXML:CodeNotation>", b"X</edXML:CodeNotation>")
    async with node.http.post(url, data=changed, headers=headers) as resp:
        assert resp.status == 200
        assert await resp.json() == first


async def test_bad_idempotency_key_is_400_naming_the_header(
    node: Harness, sample_document: bytes
) -> None:
    headers = {**UBND, **XML, "Idempotency-Key": "k" * 300}
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=sample_document, headers=headers
    ) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert body["errors"][0]["path"] == "header.Idempotency-Key"


async def test_status_goes_to_the_status_endpoint(node: Harness, sample_status: bytes) -> None:
    async with node.http.post(
        f"{node.url}/api/v1/statuses", data=sample_status, headers={**STTTT, **XML}
    ) as resp:
        assert resp.status == 202
        result = await resp.json()
    assert node.exchange.messages[result["id"]].kind.value == "status"


async def test_chunked_body_is_accepted(node: Harness, sample_document: bytes) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(sample_document), 1000):
            yield sample_document[i : i + 1000]

    async with node.http.post(
        f"{node.url}/api/v1/documents", data=chunks(), headers={**UBND, **XML}
    ) as resp:
        assert resp.status == 202
        result = await resp.json()
    assert node.exchange.messages[result["id"]].body.path.read_bytes() == sample_document


async def test_non_xml_content_type_is_415(node: Harness, sample_document: bytes) -> None:
    headers = {**UBND, "Content-Type": "application/json"}
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=sample_document, headers=headers
    ) as resp:
        assert resp.status == 415
        assert (await resp.json())["type"].endswith("/unsupported-media-type")


async def test_empty_body_is_400(node: Harness) -> None:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=b"", headers={**UBND, **XML}
    ) as resp:
        assert resp.status == 400
        assert "empty" in (await resp.json())["detail"]
    assert node.spooled() == []


async def test_body_of_several_batches_is_spooled_byte_for_byte(
    tmp_path: Path, sample_document: bytes
) -> None:
    filler = b"<!--" + bytes(range(97, 123)) * (150 * 1024) + b"-->\n"  # ~3.8 MiB
    big = sample_document.replace(b"</edXML>", filler + b"</edXML>")

    async def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(big), 100_000):
            yield big[i : i + 100_000]

    async with harness(tmp_path, max_bytes=8 << 20) as node:
        for data in (big, chunks()):
            async with node.http.post(
                f"{node.url}/api/v1/documents",
                data=data,
                headers={**UBND, **XML, "Idempotency-Key": str(id(data))},
            ) as resp:
                assert resp.status == 202
                result = await resp.json()
            stored = node.exchange.messages[result["id"]]
            assert stored.body.size == len(big)
            assert stored.body.sha256 == hashlib.sha256(big).hexdigest()
            assert stored.body.path.read_bytes() == big
        assert node.spooled() == []
