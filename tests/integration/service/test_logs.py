"""Structured logs: one JSON object per line with the message id of what was
accepted, an access record per request, and never a bearer token."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from tests.integration.service.conftest import UBND, XML, Harness
from tests.support.logs import node_log
from tests.support.node_config import TOKENS


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    with node_log("info") as stream:
        yield stream


async def test_json_lines_with_message_ids_and_no_tokens(
    node: Harness, sample_document: bytes, log_lines: io.StringIO
) -> None:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=sample_document, headers={**UBND, **XML}
    ) as resp:
        message_id = (await resp.json())["id"]
    async with node.http.get(f"{node.url}/api/v1/inbox", headers=UBND) as resp:
        assert resp.status == 200
    text = log_lines.getvalue()
    records = [json.loads(line) for line in text.splitlines()]
    accepted = [r for r in records if r.get("message_id") == message_id]
    assert accepted
    assert accepted[0]["logger"] == "lienthong.dms"
    assert accepted[0]["client"] == "ubnd"
    access = [r for r in records if r["logger"].startswith("lienthong.access")]
    assert {(r["method"], r["path"], r["status"]) for r in access} >= {
        ("POST", "/api/v1/documents", 202),
        ("GET", "/api/v1/inbox", 200),
    }
    assert all({"ts", "level", "logger", "msg"} <= set(r) for r in records)
    for token in TOKENS.values():
        assert token not in text
