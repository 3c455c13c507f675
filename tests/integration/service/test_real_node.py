"""The DMS and admin APIs over the real core (SQLite store, engine, signing):
submit, sign, deliver to the local recipient's inbox, automatic 01 back to
the sender, fetch, ack, trace; and every refusal as a specific problem."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.integration.service.real import H41, S41, RealNode, real_node, wait_for_inbox
from tests.support.messages import document

XML = {"Content-Type": "application/xml"}


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RealNode]:
    async with real_node(tmp_path / "node", max_bytes=1 << 20) as n:
        yield n


async def _submit(node: RealNode, organ: str, data: bytes) -> tuple[int, dict[str, object]]:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=data, headers={**node.dms(organ), **XML}
    ) as resp:
        return resp.status, await resp.json()


async def test_document_round_trip_through_the_real_core(node: RealNode) -> None:
    data, document_id = document(H41, (S41,))
    status, result = await _submit(node, H41, data)
    assert status == 202, result
    assert result["document_id"] == document_id
    assert (await _submit(node, H41, data)) == (200, result)  # duplicate: first answer

    (item,) = await wait_for_inbox(node, S41, 1)
    assert item["from"] == H41
    async with node.http.get(
        f"{node.url}/api/v1/messages/{item['id']}", headers=node.dms(S41)
    ) as resp:
        assert resp.status == 200
        stored = await resp.read()
    assert b"Signature" in stored  # the node signed for H41 (signing = "node")
    async with node.http.post(
        f"{node.url}/api/v1/messages/{item['id']}/ack", headers=node.dms(S41)
    ) as resp:
        assert resp.status == 204
    arrived = await wait_for_inbox(node, H41, 1)
    assert arrived[0]["kind"] == "status"
    assert arrived[0]["status_code"] == "01"

    async with node.http.get(
        f"{node.url}/api/v1/documents/{result['id']}/trace", headers=node.dms(H41)
    ) as resp:
        assert resp.status == 200
        trace = await resp.json()
    assert trace["document_id"] == document_id
    assert [s["code"] for s in trace["statuses"]] == ["01"]
    async with node.http.get(
        f"{node.url}/admin/v1/messages/{result['id']}", headers=node.admin
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["summary"]["id"] == result["id"]


async def test_token_for_one_organ_cannot_submit_as_another(node: RealNode) -> None:
    data, _ = document(H41, (S41,))
    status, problem = await _submit(node, S41, data)
    assert status == 403
    assert problem["type"] == "https://lienthong.dev/problems/forbidden"
    async with node.http.get(f"{node.url}/admin/v1/messages", headers=node.admin) as resp:
        assert (await resp.json())["items"] == []


async def test_invalid_document_gets_the_validator_errors(node: RealNode) -> None:
    data, _ = document(H41, (S41,))
    broken = data.replace(b"<edXML:Subject>", b"<edXML:Subjekt>").replace(
        b"</edXML:Subject>", b"</edXML:Subjekt>"
    )
    status, problem = await _submit(node, H41, broken)
    assert status == 400
    assert problem["type"] == "https://lienthong.dev/problems/validation-failed"
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert errors
    assert all(e["line"] and e["path"] and e["message"] for e in errors)
    assert any("Subjekt" in e["message"] or "Subjekt" in e["path"] for e in errors)


async def test_oversize_is_413_and_nothing_is_stored(node: RealNode) -> None:
    data, _ = document(H41, (S41,))
    huge = data.replace(b"</edXML>", b"<!--" + b"x" * (2 << 20) + b"-->" + b"</edXML>")
    status, problem = await _submit(node, H41, huge)
    assert status == 413
    assert problem["type"] == "https://lienthong.dev/problems/too-large"
    async with node.http.get(f"{node.url}/admin/v1/messages", headers=node.admin) as resp:
        assert (await resp.json())["items"] == []


async def test_readyz_and_metrics_read_the_real_store(node: RealNode) -> None:
    data, _ = document(H41, (S41,))
    await _submit(node, H41, data)
    async with node.http.get(f"{node.url}/readyz") as resp:
        assert resp.status == 200
        assert await resp.json() == {
            "status": "ready",
            "checks": {"store": "ok", "keys": "ok", "audit": "ok", "spool": "ok"},
        }
    async with node.http.get(f"{node.url}/metrics") as resp:
        text = await resp.text()
    assert "lienthong_messages{" in text
    assert (
        'lienthong_messages_accepted_total{duplicate="no",kind="document",source="dms"} 1.0' in text
    )
    assert 'lienthong_certificate_expiry_days{name="000.00.00.H41",role="organ"' in text
