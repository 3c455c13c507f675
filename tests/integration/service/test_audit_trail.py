"""The audit trail end to end, as an operator and an auditor meet it: a real
node (``lienthong init`` material, SQLite) with ``[audit] rfc3161`` pointing at
a local TSA on 127.0.0.1 and ``tsa_policy = "closed"`` records every state
change, signs and timestamps checkpoints at start and on shutdown, stops
accepting (503, /readyz not ready, metrics) while the TSA fails; then
``lienthong audit export`` and ``lienthong audit verify --trust`` (real
processes) find the export valid, and find every kind of tampering."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.app.bootstrap import running_node
from node.app.cli.init import init_node
from node.config import load_config
from node.engine.checkpoints import Checkpointer
from signing.pki import make_test_pki
from tests.integration.service.real import H41, S41
from tests.support.messages import document
from tests.support.tsa import local_tsa

LIENTHONG = [sys.executable, "-m", "node.app.cli.main"]
XML = {"Content-Type": "application/xml"}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LIENTHONG, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the node once; hand the tests its export, trust dir and what was seen."""
    base = tmp_path_factory.mktemp("audit")
    return asyncio.run(_run_node(base))


async def _run_node(base: Path) -> dict[str, Any]:
    pki = base / "pki"
    await asyncio.to_thread(make_test_pki, pki, [H41, S41])
    seen: dict[str, Any] = {"trust": pki, "base": base}
    async with local_tsa(pki) as tsa:
        init = await asyncio.to_thread(
            init_node,
            base / "node",
            [H41, S41],
            pki=pki,
            dms_listen="127.0.0.1:0",
            peer_listen="127.0.0.1:0",
        )
        with init.config_path.open("a") as toml:
            toml.write(f'\n[audit]\nrfc3161 = "{tsa.url}"\ntsa_policy = "closed"\n')
        config = load_config(init.config_path)
        dms = {"Authorization": f"Bearer {init.dms_tokens[f'dms-{H41}']}"}
        async with running_node(config, environ={}) as service, aiohttp.ClientSession() as http:
            url = service.dms_url
            (checkpointer,) = [p for p in service._background if isinstance(p, Checkpointer)]
            data, _ = document(H41, (S41,))
            async with http.post(f"{url}/api/v1/documents", data=data, headers={**dms, **XML}) as r:
                seen["submit"] = r.status

            tsa.failing = True
            seen["while_failing"] = await checkpointer.checkpoint("interval")
            async with http.get(f"{url}/readyz") as r:
                seen["readyz_failing"] = (r.status, await r.json())
            async with http.get(f"{url}/metrics") as r:
                seen["metrics_failing"] = await r.text()
            again, _ = document(H41, (S41,), number=99999)
            async with http.post(
                f"{url}/api/v1/documents", data=again, headers={**dms, **XML}
            ) as r:
                seen["refused"] = (r.status, r.content_type, await r.json())

            tsa.failing = False
            await checkpointer.checkpoint("interval")
            async with http.get(f"{url}/readyz") as r:
                seen["readyz_back"] = r.status
        seen["tsa_requests"] = tsa.requests
    export = base / "export.jsonl"
    done = cli("audit", "export", "--config", str(init.config_path), "-o", str(export))
    seen["export"] = (done.returncode, done.stdout, done.stderr)
    seen["file"] = export
    return seen


def verify(path: Path, trust: Path) -> tuple[int, dict[str, Any], str]:
    done = cli("audit", "verify", str(path), "--trust", str(trust), "--json")
    report = json.loads(done.stdout) if done.stdout.strip() else {}
    return done.returncode, report, done.stderr


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_the_node_records_every_state_change_and_checkpoints(exported: dict[str, Any]) -> None:
    assert exported["submit"] == 202
    code, out, err = exported["export"]
    assert code == 0, err
    assert "checkpoints written to" in out
    lines = records(exported["file"])
    assert lines[0]["type"] == "header"
    actions = [r["action"] for r in lines if r["type"] == "entry"]
    assert actions[:2] == ["config-change", "key-change"]
    assert {"accept", "generate", "record-status"} <= set(actions), "document, its 01"
    reasons = [r["reason"] for r in lines if r["type"] == "checkpoint"]
    assert reasons[0] == "start"
    assert reasons[-1] == "shutdown"
    assert all(r["timestamp"] for r in lines if r["type"] == "checkpoint"), "policy closed"


def test_a_failing_tsa_under_policy_closed_stops_intake_and_shows(
    exported: dict[str, Any],
) -> None:
    assert exported["while_failing"] is None, "nothing untimestamped stored"
    status, body = exported["readyz_failing"]
    assert status == 503
    assert "TSA failed" in body["checks"]["audit"]
    assert "lienthong_audit_tsa_up 0.0" in exported["metrics_failing"]
    assert "lienthong_audit_tsa_failures_total 1.0" in exported["metrics_failing"]
    status, content_type, problem = exported["refused"]
    assert (status, content_type) == (503, "application/problem+json")
    assert "audit" in problem["detail"]
    assert exported["readyz_back"] == 200


def test_the_auditor_finds_the_export_valid(exported: dict[str, Any]) -> None:
    code, report, err = verify(exported["file"], exported["trust"])
    assert code == 0, (report, err)
    assert report["ok"] is True
    assert report["covered_by_checkpoint"] == report["entries"] > 0
    assert all(c["timestamp"] for c in report["checkpoints"])
    text = cli("audit", "verify", str(exported["file"]), "--trust", str(exported["trust"]))
    assert text.returncode == 0
    assert "VALID" in text.stdout


def test_an_edited_entry_is_the_first_broken_link(exported: dict[str, Any], tmp_path: Path) -> None:
    lines = records(exported["file"])
    lines[3]["actor"] = "mallory"
    code, report, _ = verify(write(tmp_path / "edited.jsonl", lines), exported["trust"])
    assert code == 1
    assert report["first_broken_link"] == lines[3]["seq"]


def test_a_cut_tail_is_found(exported: dict[str, Any], tmp_path: Path) -> None:
    lines = [r for r in records(exported["file"]) if r["type"] != "entry" or r["seq"] < 4]
    code, report, _ = verify(write(tmp_path / "cut.jsonl", lines), exported["trust"])
    assert code == 1
    assert report["first_broken_link"] is None
    assert any("missing tail" in p for p in report["problems"])


def test_a_bad_checkpoint_signature_and_timestamp_are_found(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    lines = records(exported["file"])
    checkpoints = [r for r in lines if r["type"] == "checkpoint"]
    first, last = checkpoints[0], checkpoints[-1]
    signature = bytearray(base64.b64decode(first["signature"]))
    signature[-1] ^= 1
    first["signature"] = base64.b64encode(bytes(signature)).decode()
    last["timestamp"] = checkpoints[1]["timestamp"]  # another checkpoint's token
    code, report, _ = verify(write(tmp_path / "forged.jsonl", lines), exported["trust"])
    assert code == 1
    problems = " ".join(report["problems"])
    assert f"checkpoint {first['id']}: bad checkpoint signature" in problems
    assert f"checkpoint {last['id']}: bad timestamp" in problems


def test_a_checkpoint_signed_by_an_untrusted_key_is_found(
    exported: dict[str, Any], tmp_path: Path
) -> None:
    other = tmp_path / "other-pki"
    make_test_pki(other, [H41])
    code, report, _ = verify(exported["file"], other)
    assert code == 1
    assert any("signer certificate" in p for p in report["problems"])


def test_unreadable_input_is_a_usage_error(exported: dict[str, Any], tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"type": "header", "format": "lienthong-audit-export", "version": 1}\n{')
    done = cli("audit", "verify", str(garbage), "--trust", str(exported["trust"]))
    assert done.returncode == 2
    assert done.stderr.startswith("lienthong audit: ")
    assert "line 2" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    missing = cli("audit", "verify", str(exported["file"]), "--trust", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert "not a directory" in missing.stderr
    other = cli("audit", "verify", str(tmp_path / "absent.jsonl"), "--trust", str(tmp_path))
    assert other.returncode == 2
