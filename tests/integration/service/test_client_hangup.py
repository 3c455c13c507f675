"""A client that hangs up in the middle of its upload: nobody reads an answer,
so the node logs a 499 (client closed), not a 400 or a 500, and keeps nothing."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import pytest

from tests.integration.service.conftest import Harness
from tests.support.node_config import TOKENS


async def test_upload_cut_by_the_client_is_logged_as_499(
    node: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = urlsplit(node.url)
    assert url.hostname is not None
    assert url.port is not None
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    head = (
        "POST /api/v1/documents HTTP/1.1\r\nHost: node\r\n"
        f"Authorization: Bearer {TOKENS['ubnd']}\r\n"
        "Content-Type: application/xml\r\nContent-Length: 60000\r\n\r\n"
    )
    writer.write(head.encode() + b"<edXML>" * 100)
    await writer.drain()
    await asyncio.sleep(0.1)  # the node is now waiting for the rest of the body
    writer.close()
    for _ in range(100):  # bounded: the node notices the hang-up on its next read
        statuses = [
            getattr(r, "status", None) for r in caplog.records if r.name.startswith("lienthong")
        ]
        if 499 in statuses:
            break
        await asyncio.sleep(0.02)
    assert 499 in statuses, [r.getMessage() for r in caplog.records]
    assert not [s for s in statuses if isinstance(s, int) and s != 499 and s >= 400]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert node.spooled() == []
    del reader
