"""Directory sync against the strict fake national axis: the three
AgencyServiceImp calls as the SDK makes them, the copy kept on disk, the last
good copy kept through failures and bad answers, bounded retry."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from adapters.transport import NodeTransport, Timeouts
from adapters.transport.vdxp_client import VdxpCallFailed
from adapters.transport.vdxp_directory import DirectorySync, directory_file, read_copy
from adapters.transport.vdxp_upstream import UpstreamEndpoint
from tests.integration.transport.test_vdxp_upstream import SECRET
from tests.support.vdxp_axis import FakeAxis


@pytest.fixture
async def axis() -> AsyncIterator[tuple[FakeAxis, str]]:
    """The strict fake national axis on 127.0.0.1, and its URL."""
    fake = FakeAxis("vxp.h41.01", SECRET)
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


H22, H23 = "000.00.00.H22", "000.00.00.H23"
UNIT = {
    "id": "7",
    "code": H23,
    "name": "Tỉnh H23",
    "mail": "vt@h23.gov.vn",
    "pid": "3",
    "oldCode": "H23-OLD",
    "code102": "000.00.00.H23",
    "version": 4,
    "centerCode": "vxp.saas.23",
    "deleted": False,
    "modifyDate": "2026-12-01 08:00:00",
    "isAgency": True,
}


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def transport(axis: tuple[FakeAxis, str]) -> AsyncIterator[NodeTransport]:
    endpoint = UpstreamEndpoint("national", axis[1], "vxp.h41.01", SECRET, "000.00.00.G22")
    t = NodeTransport(
        tls=None,
        upstreams=[endpoint],
        timeouts=Timeouts(connect=2.0, read=2.0, base=5.0, retry_wait=0.0),
        clock=Clock(),
    )
    await t.start()
    yield t
    await t.close()


def syncer(transport: NodeTransport, tmp_path: Path, clock: Clock, call: str) -> DirectorySync:
    return DirectorySync(
        upstream="national",
        client=lambda: transport.upstream_client("national"),
        path=directory_file(tmp_path, "national"),
        clock=clock,
        interval=3600.0,
        call=call,
    )


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            "getAgenciesList",
            {"id": "7", "mail": "vt@h23.gov.vn", "pid": "3", "old_code": "H23-OLD"},
        ),
        ("getAgenciesListQD20", {"id": "7", "mail": "vt@h23.gov.vn", "code102": "000.00.00.H23"}),
        (
            "getSynchronizeUnit",
            {
                "pid": "3",
                "version": 4,
                "center_code": "vxp.saas.23",
                "deleted": False,
                "modify_date": "2026-12-01 08:00:00",
                "is_agency": True,
            },
        ),
    ],
)
async def test_each_directory_call_reads_the_fields_the_sdk_reads(
    axis: tuple[FakeAxis, str],
    transport: NodeTransport,
    tmp_path: Path,
    call: str,
    expected: dict[str, object],
) -> None:
    fake, _ = axis
    fake.agencies = [UNIT]
    clock = Clock()
    sync = syncer(transport, tmp_path, clock, call)
    assert await sync.sync_once()
    assert fake.calls == [call]
    assert fake.problems == []
    copy = read_copy(sync.path, "national", call)
    (entry,) = copy.entries
    assert (entry.code, entry.name) == (H23, "Tỉnh H23")
    got = {k: getattr(entry, k) for k in expected}
    assert got == expected
    # and nothing the SDK does not read for this call
    unread = {"old_code", "code102", "center_code", "modify_date"} - set(expected)
    assert all(getattr(entry, k) == "" for k in unread)
    assert (copy.synced_at, copy.last_error, copy.call) == (clock.at, None, call)


async def test_a_failure_keeps_the_last_good_copy_and_says_why(
    axis: tuple[FakeAxis, str], transport: NodeTransport, tmp_path: Path
) -> None:
    fake, _ = axis
    clock = Clock()
    sync = syncer(transport, tmp_path, clock, "getAgenciesList")
    assert await sync.sync_once()
    good_at = clock.at

    bad_answers: list[tuple[int | None, dict[str, object] | None]] = [
        (503, None),  # the axis is down
        (None, {"status": "FAIL", "ErrorCode": "500", "ErrorDesc": "db down"}),
        (None, {"status": "OK", "ErrorCode": "0", "ErrorDesc": ""}),  # no data
        (None, {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": {"code": H22}}),
        (None, {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": [UNIT, "x"]}),
        (None, {"status": "OK", "ErrorCode": "0", "data": [{"code": H23, "name": {"vi": "x"}}]}),
    ]
    for failures, (status, answer) in enumerate(bad_answers, start=1):
        fake.answer_status, fake.agencies_answer = status, answer
        clock.at = clock.at.replace(minute=failures)
        assert not await sync.sync_once()
        copy = read_copy(sync.path, "national", "getAgenciesList")
        assert [e.code for e in copy.entries] == [H22], answer
        assert copy.synced_at == good_at
        assert copy.last_attempt_at == clock.at
        assert copy.last_error
        assert copy.consecutive_failures == failures

    fake.answer_status, fake.agencies_answer = None, None
    fake.agencies = [UNIT, {"code": H22, "name": "Tỉnh H22"}]
    assert await sync.sync_once()
    copy = read_copy(sync.path, "national", "getAgenciesList")
    assert [e.code for e in copy.entries] == [H23, H22]
    assert (copy.last_error, copy.consecutive_failures) == (None, 0)


async def test_retries_come_sooner_after_a_failure_but_never_later_than_the_interval(
    axis: tuple[FakeAxis, str], transport: NodeTransport, tmp_path: Path
) -> None:
    fake, _ = axis
    sync = syncer(transport, tmp_path, Clock(), "getAgenciesList")
    assert await sync.sync_once()
    assert sync.delay() == 3600.0
    fake.answer_status = 503
    delays = []
    for _ in range(10):
        await sync.sync_once()
        delays.append(sync.delay())
    assert delays[:4] == [30.0, 60.0, 120.0, 240.0]
    assert delays == sorted(delays)
    assert max(delays) == 3600.0


async def test_the_copy_survives_a_restart_and_the_loop_runs_in_the_background(
    axis: tuple[FakeAxis, str], transport: NodeTransport, tmp_path: Path
) -> None:
    clock = Clock()
    first = syncer(transport, tmp_path, clock, "getAgenciesList")
    assert await first.sync_once()
    axis[0].answer_status = 503
    again = syncer(transport, tmp_path, clock, "getAgenciesList")
    await again.start()  # reads the copy, then its first attempt fails
    try:
        assert [e.code for e in again.copy.entries] == [H22]
    finally:
        await again.stop()
    stored = json.loads(again.path.read_text(encoding="utf-8"))
    assert stored["format"] == 1
    assert stored["count"] == 1
    assert list(again.path.parent.iterdir()) == [again.path], "no temporary file left"


async def test_a_client_call_outside_the_directory_is_refused(transport: NodeTransport) -> None:
    with pytest.raises(ValueError, match="not a directory call"):
        await transport.upstream_client("national").agencies("sendEdoc")


async def test_an_answer_that_is_not_json_is_a_failure_not_a_crash(
    axis: tuple[FakeAxis, str], transport: NodeTransport
) -> None:
    axis[0].answer_status = 200  # "down" as text with HTTP 200
    with pytest.raises(VdxpCallFailed, match="getAgenciesListQD20"):
        await transport.upstream_client("national").agencies("getAgenciesListQD20")
