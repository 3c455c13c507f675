"""`lienthong send` and `lienthong admin` as real processes against a live node
(fake core): exit codes, JSON answers, problems on stderr, tables."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.integration.service.conftest import Harness
from tests.support.node_config import AUDITOR, OPERATOR, TOKENS

LIENTHONG = [sys.executable, "-m", "node.app.cli.main"]


async def lienthong(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *LIENTHONG,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def _file(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


async def test_send_accepted_prints_the_answer(
    node: Harness, tmp_path: Path, sample_document: bytes
) -> None:
    doc = _file(tmp_path, "doc.edxml", sample_document)
    code, out, err = await lienthong("send", "--node", node.url, "--token", TOKENS["ubnd"], doc)
    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer["id"] in node.exchange.messages
    code, again, _ = await lienthong("send", "--node", node.url, "--token", TOKENS["ubnd"], doc)
    assert code == 0
    assert json.loads(again) == answer


async def test_send_detects_a_status_message(
    node: Harness, tmp_path: Path, sample_status: bytes
) -> None:
    status = _file(tmp_path, "status.edxml", sample_status)
    code, out, _ = await lienthong("send", "--node", node.url, "--token", TOKENS["stttt"], status)
    assert code == 0
    assert node.exchange.messages[json.loads(out)["id"]].kind.value == "status"


async def test_send_refused_prints_detail_and_errors(
    node: Harness, tmp_path: Path, sample_document: bytes
) -> None:
    broken = _file(tmp_path, "b.edxml", sample_document.replace(b"DocumentId>", b"DocId>"))
    code, out, err = await lienthong("send", "--node", node.url, "--token", TOKENS["ubnd"], broken)
    assert code == 1
    assert out == ""
    assert "refused (400): 1 validation error(s)" in err
    assert "/edXML/edXMLEnvelope/edXMLHeader/*/DocumentId: missing" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("case", ["unreachable", "unreadable", "no-token"])
async def test_send_usage_problems_exit_2(
    tmp_path: Path, sample_document: bytes, case: str
) -> None:
    from node.app.cli.init import free_port

    doc = _file(tmp_path, "doc.edxml", sample_document)
    args = ["send", "--node", f"http://127.0.0.1:{free_port()}", "--token", "t", doc]
    env = None
    if case == "unreadable":
        args[-1] = str(tmp_path / "missing.edxml")
    if case == "no-token":
        del args[3:5]
        env = {"PATH": "/usr/bin:/bin"}
    code, _, err = await lienthong(*args, env=env)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("lienthong send: ")


async def test_admin_tables_and_json(node: Harness, tmp_path: Path, sample_document: bytes) -> None:
    doc = _file(tmp_path, "doc.edxml", sample_document)
    _, out, _ = await lienthong("send", "--node", node.url, "--token", TOKENS["ubnd"], doc)
    message_id = json.loads(out)["id"]
    base = ["admin", "--node", node.url, "--token", AUDITOR]
    code, out, _ = await lienthong(*base, "list")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["ID", "KIND", "STATE"]
    assert message_id in out
    code, out, _ = await lienthong(*base, "--json", "list", "--organ", "000.00.00.H41")
    assert json.loads(out)["items"][0]["id"] == message_id
    document_id = node.exchange.messages[message_id].document_id
    code, out, _ = await lienthong(*base, "--json", "list", "--document-id", document_id)
    assert [i["id"] for i in json.loads(out)["items"]] == [message_id]
    code, out, _ = await lienthong(*base, "queues")
    assert (code, out.split()[:2]) == (0, ["KIND", "DESTINATION"])
    for action in (
        ["show", message_id],
        ["trace", message_id],
        ["dead"],
        ["stats"],
        ["overdue"],
        ["routes"],
        ["queues"],
        ["peers"],
        ["certs"],
    ):
        code, out, err = await lienthong(*base, *action)
        assert code == 0, (action, err)
        assert out.strip(), action
    code, out, _ = await lienthong(*base, "audit")
    assert (code, out.strip()) == (0, "audit log: 1 entry, hash chain intact")


async def test_admin_resend_needs_an_operator(
    node: Harness, tmp_path: Path, sample_document: bytes
) -> None:
    doc = _file(tmp_path, "doc.edxml", sample_document)
    _, out, _ = await lienthong("send", "--node", node.url, "--token", TOKENS["ubnd"], doc)
    message_id = json.loads(out)["id"]
    code, _, err = await lienthong(
        "admin", "--node", node.url, "--token", AUDITOR, "resend", message_id
    )
    assert code == 1
    assert "refused (403)" in err
    code, out, _ = await lienthong(
        "admin", "--node", node.url, "--token", OPERATOR, "resend", message_id
    )
    assert code == 0
    assert f"d-{message_id}" in out
    assert node.admin.resent == [(message_id, "ops")]
    code, _, err = await lienthong(
        "admin", "--node", node.url, "--token", OPERATOR, "list", "--since", "yesterday"
    )
    assert code == 1
    assert "query.since" in err


async def test_admin_report_as_text_csv_and_json(
    node: Harness, tmp_path: Path, sample_document: bytes
) -> None:
    doc = _file(tmp_path, "doc.edxml", sample_document)
    await lienthong("send", "--node", node.url, "--token", TOKENS["ubnd"], doc)
    base = ["admin", "--node", node.url, "--token", AUDITOR, "report"]
    period = ["--from", "2026-11-01", "--to", "2026-11-30"]
    code, out, err = await lienthong(*base, *period)
    assert code == 0, err
    assert out.startswith("QĐ 28 supervision report: 2026-11-01 to 2026-11-30")
    assert "Documents sent (feedback received):" in out
    code, out, _ = await lienthong(*base, *period, "--format", "csv", "--organ", "000.00.00.G22")
    assert code == 0
    assert out.splitlines()[0].startswith("document_id,")
    assert len(out.splitlines()) == 2
    code, out, _ = await lienthong(*base, *period, "--format", "json")
    assert json.loads(out)["total"]["documents"] == 2
    code, _, err = await lienthong(*base, "--from", "2026-11-30", "--to", "2026-11-01")
    assert code == 1
    assert "before it starts" in err
    code, _, err = await lienthong(*base, "--from", "yesterday", "--to", "2026-11-01")
    assert code == 1
    assert "query.from: must be a date like 2026-11-01" in err
