"""Refusals are specific problem+json documents; failures never leak internals
and never leave half-written data."""

from __future__ import annotations

import logging

import pytest

from node.errors import StoreUnavailable
from tests.integration.service.conftest import UBND, XML, Harness


async def test_malformed_xml_is_400_with_the_line(node: Harness) -> None:
    bad = b'<?xml version="1.0"?>\n<edXML>\n  <open>\n</edXML>\n'
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=bad, headers={**UBND, **XML}
    ) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert body["type"] == "https://lienthong.dev/problems/malformed-xml"
    assert body["errors"][0]["line"] == 4
    assert body["errors"][0]["message"]
    assert node.spooled() == []


async def test_doctype_is_refused_as_unsafe(node: Harness) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=bomb, headers={**UBND, **XML}
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["type"].endswith("/unsafe-xml")


async def test_invalid_document_lists_each_error(node: Harness, sample_document: bytes) -> None:
    broken = sample_document.replace(b"DocumentId>", b"DocumentIdX>")
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=broken, headers={**UBND, **XML}
    ) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert body["type"] == "https://lienthong.dev/problems/validation-failed"
    assert [e["path"] for e in body["errors"]] == ["/edXML/edXMLEnvelope/edXMLHeader/*/DocumentId"]
    assert node.exchange.messages == {}


async def test_store_down_is_503_and_nothing_is_written(
    node: Harness, sample_document: bytes
) -> None:
    node.exchange.fail_with = StoreUnavailable("database is locked")
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=sample_document, headers={**UBND, **XML}
    ) as resp:
        assert resp.status == 503
        body = await resp.json()
    assert body["type"] == "https://lienthong.dev/problems/store-unavailable"
    assert node.exchange.messages == {}
    assert node.spooled() == []
    assert list(node.exchange.store_dir.iterdir()) == []


async def test_unexpected_exception_is_a_bare_500_and_logged(
    node: Harness, sample_document: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    node.exchange.fail_with = RuntimeError("secret internal detail /etc/passwd")
    with caplog.at_level(logging.ERROR, logger="lienthong.http"):
        async with node.http.post(
            f"{node.url}/api/v1/documents", data=sample_document, headers={**UBND, **XML}
        ) as resp:
            assert resp.status == 500
            assert resp.content_type == "application/problem+json"
            text = await resp.text()
    assert "secret internal detail" not in text
    assert "Traceback" not in text
    body = await resp.json()
    incident = body["incident"]
    assert incident in body["detail"]
    records = [r for r in caplog.records if getattr(r, "incident", None) == incident]
    assert records
    assert records[0].exc_info is not None
    assert node.spooled() == []


async def test_unknown_path_and_wrong_method_are_problems(node: Harness) -> None:
    async with node.http.get(f"{node.url}/nothing-here") as resp:
        assert resp.status == 404
        assert resp.content_type == "application/problem+json"
        assert (await resp.json())["type"].endswith("/not-found")
    async with node.http.delete(f"{node.url}/healthz") as resp:
        assert resp.status == 405
        assert resp.headers["Allow"] == "GET"
        assert (await resp.json())["type"].endswith("/method-not-allowed")
    async with node.http.get(f"{node.url}/api/v1/documents", headers=UBND) as resp:
        assert resp.status == 405
