"""Issue 14 hole 6: HTTP that aiohttp's own parser refuses (oversized or
obs-folded headers, Transfer-Encoding with Content-Length, a bad request line)
is answered as problem+json without echoing the input, and logged as one
warning without a traceback, a header value or the bearer token.

Raw bytes over a socket to a real node's listener on 127.0.0.1: no HTTP
client would send these."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.integration.service.conftest import Harness
from tests.support.logs import node_log
from tests.support.node_config import TOKENS

TOKEN = TOKENS["ubnd"]
AUTH = f"Authorization: Bearer {TOKEN}\r\n"
LONG = "x" * 20_000

CASES = {
    "obs-fold header carrying the token": (
        "POST /api/v1/documents HTTP/1.1\r\nHost: n\r\nAuthorization: Bearer\r\n"
        f" {TOKEN}\r\nContent-Length: 0\r\n\r\n",
        {400},
    ),
    "oversized header": (
        f"GET /api/v1/inbox HTTP/1.1\r\nHost: n\r\n{AUTH}X-Big: {LONG}\r\n\r\n",
        {431},
    ),
    "oversized request line": (f"GET /{LONG} HTTP/1.1\r\nHost: n\r\n{AUTH}\r\n", {431}),
    "Transfer-Encoding with Content-Length": (
        f"POST /api/v1/documents HTTP/1.1\r\nHost: n\r\n{AUTH}"
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        {400},
    ),
    "bad request line": (f"GET /api/v1/inbox HTTP/1.1 trailing\r\nHost: n\r\n{AUTH}\r\n", {400}),
    "bad method": (f"G(T /api/v1/inbox HTTP/1.1\r\nHost: n\r\n{AUTH}\r\n", {400}),
    "TLS sent to the plain port": (
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "A" * 40,
        {400},
    ),
    "control character in a header value": (
        f"GET /api/v1/inbox HTTP/1.1\r\nHost: n\r\n{AUTH}X-Bad: a\x01{TOKEN}\r\n\r\n",
        {400},
    ),
    "header name with a space": (
        f"GET /api/v1/inbox HTTP/1.1\r\nHost: n\r\n{AUTH}Bad Name: {TOKEN}\r\n\r\n",
        {400},
    ),
    "bad chunk size": (
        f"POST /api/v1/documents HTTP/1.1\r\nHost: n\r\n{AUTH}"
        "Content-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
        {400},
    ),
}


@pytest.fixture
def log_text() -> Iterator[io.StringIO]:
    """What the node writes to its log, through the real formatter and filter."""
    with node_log("debug") as stream:
        yield stream


async def raw_exchange(url: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``data`` as is, read the answer to EOF: (status, headers, body)."""
    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1"
    assert parts.port is not None
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(data)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(1 << 20), 10)
        for _ in range(100):  # bounded: read to EOF
            more = await asyncio.wait_for(reader.read(1 << 20), 10)
            if not more:
                break
            answer += more
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    return status, headers, body


@pytest.mark.parametrize("case", sorted(CASES))
async def test_malformed_http_is_a_problem_and_leaves_no_secret_in_the_log(
    node: Harness, log_text: io.StringIO, case: str
) -> None:
    request, statuses = CASES[case]

    status, headers, body = await raw_exchange(node.url, request.encode("latin-1"))

    assert status in statuses
    assert headers["content-type"].startswith("application/problem+json")
    problem = json.loads(body)
    assert problem["status"] == status
    assert problem["type"].startswith("https://lienthong.dev/problems/")
    assert TOKEN not in body.decode()
    assert "xxxxxxxx" not in body.decode()
    records = [json.loads(line) for line in log_text.getvalue().splitlines()]
    refused = [r for r in records if r["msg"].startswith("malformed HTTP request refused")]
    assert len(refused) == 1, records
    assert refused[0]["level"] == "warning"
    assert all("exception" not in r and r["level"] != "error" for r in records), records
    assert TOKEN not in log_text.getvalue()
    assert "xxxxxxxx" not in log_text.getvalue()  # no header value, no URL echoed
    async with node.http.get(f"{node.url}/healthz") as resp:
        assert resp.status == 200  # the listener serves on


async def test_the_token_stays_out_of_the_log_even_without_the_filter(
    node: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The first line of defence: nothing logs the parser's message at all
    (caplog's handler has no redaction filter)."""
    caplog.set_level(logging.DEBUG)
    request, _ = CASES["obs-fold header carrying the token"]

    status, _, _ = await raw_exchange(node.url, request.encode("latin-1"))

    assert status == 400
    assert TOKEN not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)
