"""The admin sub-app: its own tokens; auditors read, only operators resend."""

from __future__ import annotations

from tests.integration.service.conftest import AUDIT, OPS, UBND, XML, Harness


async def _submit(node: Harness, data: bytes) -> str:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=data, headers={**UBND, **XML}
    ) as resp:
        return str((await resp.json())["id"])


async def test_dms_token_is_not_an_admin_token(node: Harness) -> None:
    async with node.http.get(f"{node.url}/admin/v1/messages", headers=UBND) as resp:
        assert resp.status == 401
    async with node.http.get(f"{node.url}/admin/v1/messages") as resp:
        assert resp.status == 401


async def test_admin_token_is_not_a_dms_token(node: Harness) -> None:
    async with node.http.get(f"{node.url}/api/v1/inbox", headers=OPS) as resp:
        assert resp.status == 401


async def test_auditor_cannot_resend(node: Harness, sample_document: bytes) -> None:
    message_id = await _submit(node, sample_document)
    async with node.http.post(
        f"{node.url}/admin/v1/messages/{message_id}/resend", headers=AUDIT
    ) as resp:
        assert resp.status == 403
        body = await resp.json()
    assert body["type"] == "https://lienthong.dev/problems/forbidden"
    assert "auditor" in body["detail"]
    assert node.admin.resent == []


async def test_operator_resends_and_is_recorded_as_actor(
    node: Harness, sample_document: bytes
) -> None:
    message_id = await _submit(node, sample_document)
    async with node.http.post(
        f"{node.url}/admin/v1/messages/{message_id}/resend", headers=OPS
    ) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["deliveries"][0]["id"] == f"d-{message_id}"
    assert node.admin.resent == [(message_id, "ops")]


async def test_auditor_reads_everything(node: Harness, sample_document: bytes) -> None:
    message_id = await _submit(node, sample_document)
    expectations = {
        "/admin/v1/messages": lambda b: b["items"][0]["id"] == message_id,
        f"/admin/v1/messages/{message_id}": lambda b: b["verification"]["accepted"] is True,
        f"/admin/v1/messages/{message_id}/trace": lambda b: b["id"] == message_id,
        "/admin/v1/dead-letters": lambda b: b["items"][0]["state"] == "dead",
        "/admin/v1/overdue": lambda b: b["items"][0]["expected"] == "03",
        "/admin/v1/stats?organ=000.00.00.G22": lambda b: b["items"][0]["on_time_rate"] == 0.5,
        "/admin/v1/audit": lambda b: b["intact"] is True,
        "/admin/v1/report?from=2026-11-01&to=2026-11-30": lambda b: (
            b["total"]["documents"] == 2 and b["timeline"][-1]["day"] == "2026-11-20"
        ),
        "/admin/v1/routes": lambda b: (
            {"pattern": "000.00.00.H41", "destination_kind": "dms", "destination": "ubnd"}
            in b["items"]
        ),
        "/admin/v1/peers": lambda b: b["items"] == [],
        "/admin/v1/queues": lambda b: (
            b["items"][0]["destination"] == {"kind": "peer", "name": "up"}
        ),
        "/admin/v1/certificates": lambda b: b["items"][0]["role"] == "trust-anchor",
    }
    for path, check in expectations.items():
        async with node.http.get(node.url + path, headers=AUDIT) as resp:
            assert resp.status == 200, path
            assert check(await resp.json()), path


async def test_search_parameters_are_checked(node: Harness) -> None:
    params = {"organ": "bad id", "since": "yesterday", "limit": "9999"}
    async with node.http.get(f"{node.url}/admin/v1/messages", params=params, headers=AUDIT) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert [e["path"] for e in body["errors"]] == ["query.organ", "query.since", "query.limit"]


async def test_unknown_message_is_404(node: Harness) -> None:
    async with node.http.get(f"{node.url}/admin/v1/messages/none", headers=AUDIT) as resp:
        assert resp.status == 404


async def test_the_report_answers_csv_and_text_and_checks_its_period(
    node: Harness, sample_document: bytes
) -> None:
    await _submit(node, sample_document)
    base = f"{node.url}/admin/v1/report?from=2026-11-01&to=2026-11-30"
    async with node.http.get(base + "&format=csv", headers=AUDIT) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/csv"
        rows = (await resp.text()).splitlines()
    assert rows[0].startswith("document_id,message_id,sender,recipient")
    assert len(rows) == 3  # the sample has two recipients
    async with node.http.get(base + "&format=text", headers=AUDIT) as resp:
        assert "QĐ 28 supervision report: 2026-11-01 to 2026-11-30" in await resp.text()
    for query, where in (
        ("from=2026-11-31&to=2026-12-01", "query.from"),
        ("from=2026-11-01", "query.to"),
        ("from=2026-11-01&to=2026-12-01&format=pdf", "query.format"),
    ):
        async with node.http.get(f"{node.url}/admin/v1/report?{query}", headers=AUDIT) as resp:
            assert resp.status == 400, query
            assert [e["path"] for e in (await resp.json())["errors"]] == [where], query
    async with node.http.get(
        f"{node.url}/admin/v1/report?from=2026-12-01&to=2026-11-01", headers=AUDIT
    ) as resp:
        assert resp.status == 400
        assert "before it starts" in (await resp.json())["detail"]


async def test_search_by_document_id_and_status_code_is_checked(
    node: Harness, sample_document: bytes
) -> None:
    message_id = await _submit(node, sample_document)
    document_id = node.exchange.messages[message_id].document_id
    async with node.http.get(
        f"{node.url}/admin/v1/messages", params={"document_id": document_id}, headers=AUDIT
    ) as resp:
        assert [i["id"] for i in (await resp.json())["items"]] == [message_id]
    async with node.http.get(
        f"{node.url}/admin/v1/messages", params={"document_id": "other"}, headers=AUDIT
    ) as resp:
        assert (await resp.json())["items"] == []
    async with node.http.get(
        f"{node.url}/admin/v1/messages", params={"status_code": "2"}, headers=AUDIT
    ) as resp:
        assert resp.status == 400
        assert [e["path"] for e in (await resp.json())["errors"]] == ["query.status_code"]
