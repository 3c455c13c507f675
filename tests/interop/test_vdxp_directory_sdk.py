"""Our VDXP client's directory calls against the national SDK's own
``AgencyServiceImp`` (SDKVXP-2.0.1, unchanged, in a JVM): both call one
recording server; the requests must be the same (path, method, body, every
signed header but the time-dependent ones) and both must read the same
entries from the same answer."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.transport.vdxp_client import VdxpClient
from tests.integration.transport.test_vdxp_directory import UNIT
from tests.interop.test_vdxp_sdk import DRIVER, compile_against_sdk

pytestmark = pytest.mark.slow

SYSTEM, SECRET = "vxp.saas.41", "directory-secret-0123456789"
CALLS = ("getAgenciesList", "getAgenciesListQD20", "getSynchronizeUnit")
ENTRIES = [
    UNIT,
    # gson's conversions: numbers and booleans read as strings, "5" as an int,
    # "TRUE" as a boolean
    {"code": 123, "id": 8, "name": True, "version": "5", "deleted": "TRUE", "isAgency": "no"},
]
TIME_DEPENDENT = {"XroadVnpt-timestamp", "XroadVnpt-sign-header", "XroadVnpt-hash-header"}
STAMP = re.compile(r'"XroadVnpt-timestamp":"[^"]*"')


def _recorder(seen: list[dict[str, Any]]) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        seen.append(
            {
                "method": request.method,
                "path": request.path,
                "body": await request.read(),
                "headers": [(k, v) for k, v in request.headers.items()],
            }
        )
        return web.json_response(
            {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": ENTRIES}
        )

    app = web.Application()
    for call in CALLS:
        app.router.add_post(f"/{call}", handle)
    return app


def _comparable(request: dict[str, Any]) -> dict[str, Any]:
    headers = request["headers"]
    signed = dict(headers).get("XroadVnpt-sign-header", "")
    return {
        "method": request["method"],
        "path": request["path"],
        "body": request["body"],
        "content_type": dict(headers).get("Content-Type"),
        "user_agent": dict(headers).get("User-Agent"),
        "xroad": [
            (k, "" if k in TIME_DEPENDENT else v) for k, v in headers if k.startswith("XroadVnpt-")
        ],
        "signed": STAMP.sub('"XroadVnpt-timestamp":""', signed),
    }


async def _sdk(driver: tuple[Path, Path], work: Path, url: str) -> list[dict[str, Any]]:
    sdk, out = driver
    script, results = work / "script.tsv", work / "results.jsonl"
    lines = ["\t".join(["client", "A", url, SYSTEM, SECRET, str(work / "store")])]
    lines += [f"A\t{call}\t{{}}" for call in CALLS]
    # last: the SDK keeps the argument's keys in its header map for later calls
    lines.append('A\tgetAgenciesListQD20\t{"level":"1"}')
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        "java",
        "-cp",
        f"{sdk}/lib/*:{out}",
        "SdkDriver",
        str(script),
        str(results),
        cwd=work,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 180)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()[-2000:]
    return [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]


async def test_directory_calls_are_the_sdks_on_the_wire_and_read_alike(tmp_path: Path) -> None:
    driver = await asyncio.to_thread(compile_against_sdk, DRIVER, tmp_path / "classes")
    seen: list[dict[str, Any]] = []
    server = TestServer(_recorder(seen), host="127.0.0.1")
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    try:
        sdk_results = await _sdk(driver, tmp_path, url)
        sdk_requests, seen[:] = list(seen), []
        async with aiohttp.ClientSession() as session:
            client = VdxpClient(url, SYSTEM, SECRET, session, lambda: datetime.now(UTC))
            ours = {call: await client.agencies(call) for call in CALLS}
            await client.agencies("getAgenciesListQD20", {"level": "1"})
    finally:
        await server.close()

    assert len(sdk_requests) == len(seen) == len(CALLS) + 1
    assert "level" in dict(seen[-1]["headers"])["XroadVnpt-sign-header-key"]
    for theirs, mine in zip(sdk_requests, seen, strict=True):
        assert _comparable(mine) == _comparable(theirs)

    by_call = {r["call"]: r for r in sdk_results}
    for call in ("getAgenciesList", "getAgenciesListQD20"):
        assert by_call[call]["errorCode"] == "0", by_call[call]
        expected = [
            {k: x[k] for k in ("id", "code", "name", "code102", "mail", "pid", "oldCode")}
            for x in by_call[call]["items"]
        ]
        got = [
            {
                "id": a.id or None,
                "code": a.code,
                "name": a.name or None,
                "code102": a.code102 or None,
                "mail": a.mail or None,
                "pid": a.pid or None,
                "oldCode": a.old_code or None,
            }
            for a in ours[call]
        ]
        assert got == expected, call
    units = by_call["getSynchronizeUnit"]["items"]
    got_units = [
        {
            "id": a.id or None,
            "code": a.code,
            "centerCode": a.center_code or None,
            "name": a.name or None,
            "mail": a.mail or None,
            "pid": a.pid or None,
            "version": a.version or 0,
            "deleted": a.deleted,
            "modifyDate": a.modify_date or None,
            "isAgency": bool(a.is_agency),
        }
        for a in ours["getSynchronizeUnit"]
    ]
    assert got_units == units
