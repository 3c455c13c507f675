"""Bodies over limits.max_message_bytes get 413, streamed or declared, and
leave nothing spooled or stored."""

from __future__ import annotations

from pathlib import Path

from tests.integration.service.conftest import UBND, XML, harness


async def test_declared_oversize_is_refused_before_reading(tmp_path: Path) -> None:
    async with harness(tmp_path, max_bytes=4096) as node:
        async with node.http.post(
            f"{node.url}/api/v1/documents", data=b"<a/>" * 2000, headers={**UBND, **XML}
        ) as resp:
            assert resp.status == 413
            body = await resp.json()
        assert body["type"] == "https://lienthong.dev/problems/too-large"
        assert "4096" in body["detail"]
        assert node.spooled() == []
        assert node.exchange.messages == {}


async def test_streamed_oversize_is_refused_and_spool_cleaned(tmp_path: Path) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 1024

    async with harness(tmp_path, max_bytes=4096) as node:
        async with node.http.post(
            f"{node.url}/api/v1/documents", data=chunks(), headers={**UBND, **XML}
        ) as resp:
            assert resp.status == 413
        assert node.spooled() == []
        assert node.exchange.messages == {}


async def test_body_at_the_limit_is_accepted(tmp_path: Path, sample_document: bytes) -> None:
    async with (
        harness(tmp_path, max_bytes=len(sample_document)) as node,
        node.http.post(
            f"{node.url}/api/v1/documents", data=sample_document, headers={**UBND, **XML}
        ) as resp,
    ):
        assert resp.status == 202
