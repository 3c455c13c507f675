"""A DMS token speaks only for its own organs: it cannot submit as another
organ, nor read, acknowledge or trace another organ's messages."""

from __future__ import annotations

from tests.integration.service.conftest import STTTT, UBND, XML, Harness, auth
from tests.support.node_config import S41


async def test_no_token_is_401_problem_with_challenge(
    node: Harness, sample_document: bytes
) -> None:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=sample_document, headers=XML
    ) as resp:
        assert resp.status == 401
        assert resp.content_type == "application/problem+json"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        body = await resp.json()
    assert body["type"] == "https://lienthong.dev/problems/unauthorized"
    assert node.exchange.messages == {}


async def test_unknown_token_is_401(node: Harness) -> None:
    async with node.http.get(f"{node.url}/api/v1/inbox", headers=auth("guess")) as resp:
        assert resp.status == 401
        assert "not known" in (await resp.json())["detail"]


async def test_malformed_authorization_header_is_401(node: Harness) -> None:
    headers = {"Authorization": "Basic dWJuZDp4"}
    async with node.http.get(f"{node.url}/api/v1/inbox", headers=headers) as resp:
        assert resp.status == 401


async def test_token_for_one_organ_cannot_submit_as_another(
    node: Harness, sample_document: bytes
) -> None:
    # The sample is From 000.00.00.H41; the stttt token speaks for 000.00.12.H41 only.
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=sample_document, headers={**STTTT, **XML}
    ) as resp:
        assert resp.status == 403
        body = await resp.json()
    assert body["type"] == "https://lienthong.dev/problems/forbidden"
    assert node.exchange.messages == {}
    assert node.spooled() == []


async def test_token_cannot_read_another_organs_inbox_or_messages(
    node: Harness, sample_document: bytes
) -> None:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=sample_document, headers={**UBND, **XML}
    ) as resp:
        message_id = (await resp.json())["id"]
    # Addressed to 000.00.12.H41 (stttt) and G22: ubnd (H41, the sender) has no inbox entry.
    async with node.http.get(f"{node.url}/api/v1/inbox", headers=UBND) as resp:
        assert (await resp.json())["items"] == []
    async with node.http.get(f"{node.url}/api/v1/inbox", headers=STTTT) as resp:
        items = (await resp.json())["items"]
    assert [i["id"] for i in items] == [message_id]
    assert items[0]["from"] == "000.00.00.H41"
    outsider = auth("tok-outsider")
    for method, path in (
        ("GET", f"/api/v1/messages/{message_id}"),
        ("POST", f"/api/v1/messages/{message_id}/ack"),
        ("GET", f"/api/v1/documents/{message_id}/trace"),
    ):
        async with node.http.request(method, node.url + path, headers=outsider) as resp:
            assert resp.status == 401, path
    assert S41 in node.exchange.messages[message_id].recipients
