"""`lienthong validate` as a real process: output lines, JSON, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LIENTHONG = [sys.executable, "-m", "node.app.cli.main"]


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LIENTHONG, "validate", *map(str, args)], capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def files(tmp_path: Path, sample_document: bytes, sample_status: bytes) -> dict[str, Path]:
    out = {
        "document": tmp_path / "document.edxml",
        "status": tmp_path / "status.edxml",
        "bad": tmp_path / "bad.edxml",
        "empty": tmp_path / "empty.edxml",
        "notxml": tmp_path / "notes.txt",
        "unsafe": tmp_path / "xxe.edxml",
    }
    out["document"].write_bytes(sample_document)
    out["status"].write_bytes(sample_status)
    out["bad"].write_bytes(
        sample_status.replace(b"<edXML:StatusCode>03<", b"<edXML:StatusCode>42<").replace(
            b"<edXML:OrganId>000.00.12.H41</edXML:OrganId>\n          <edXML:OrganName>",
            b"<edXML:OrganId>000.00.12.h41</edXML:OrganId>\n          <edXML:OrganName>",
        )
    )
    out["empty"].write_bytes(b"")
    out["notxml"].write_text("Kính gửi: not XML at all\n")
    out["unsafe"].write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
    )
    return out


def test_all_valid_exit_0(files: dict[str, Path]) -> None:
    result = _run(files["document"], files["status"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{files['document']}: valid document",
        f"{files['status']}: valid status",
    ]


def test_invalid_prints_one_line_per_error_and_exits_1(files: dict[str, Path]) -> None:
    result = _run(files["status"], files["bad"])
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{files['status']}: valid status"
    assert lines[1:] == [
        f"{files['bad']}:7: /edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganId: "
        "organ id '000.00.12.h41' must be dot-separated groups of characters 0-9 and A-Z "
        "(e.g. 000.00.00.G22)",
    ]
    assert "Traceback" not in result.stderr


def test_rule_errors_have_lines_and_paths(files: dict[str, Path], sample_status: bytes) -> None:
    files["bad"].write_bytes(sample_status.replace(b">03<", b">42<"))
    result = _run(files["bad"])
    assert result.returncode == 1
    assert result.stdout == (
        f"{files['bad']}:22: /edXML/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode: "
        "unknown status code '42'; known codes: 01, 02, 03, 04, 05, 06, 13, 15, 16\n"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty", ": /: not XML: empty document"),
        ("notxml", ":1: /: not XML: Start tag expected"),
        ("unsafe", ": /: unsafe XML: DOCTYPE/ENTITY declarations are not allowed"),
    ],
)
def test_unusable_content_exits_1_with_a_message(
    files: dict[str, Path], name: str, message: str
) -> None:
    result = _run(files[name])
    assert result.returncode == 1
    assert result.stdout.startswith(f"{files[name]}{message}")
    assert "Traceback" not in result.stdout + result.stderr


def test_unreadable_exits_2(files: dict[str, Path], tmp_path: Path) -> None:
    result = _run(files["document"], tmp_path / "missing.edxml", tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"lienthong validate: {tmp_path / 'missing.edxml'}: cannot read: No such file or directory",
        f"lienthong validate: {tmp_path}: cannot read: Is a directory",
    ]
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2() -> None:
    result = _run()
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_json_output(files: dict[str, Path]) -> None:
    result = _run("--json", files["document"], files["bad"], files["empty"])
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert [entry["file"] for entry in payload] == [
        str(files["document"]),
        str(files["bad"]),
        str(files["empty"]),
    ]
    assert payload[0] == {
        "file": str(files["document"]),
        "valid": True,
        "kind": "document",
        "errors": [],
    }
    assert payload[1]["valid"] is False
    assert payload[1]["kind"] == "status"
    assert payload[1]["errors"][0] == {
        "line": 7,
        "path": "/edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganId",
        "message": "organ id '000.00.12.h41' must be dot-separated groups of characters 0-9 "
        "and A-Z (e.g. 000.00.00.G22)",
    }
    assert payload[2]["kind"] is None
    assert payload[2]["errors"] == [
        {"line": None, "path": "/", "message": "not XML: empty document"}
    ]


def test_help() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "--json" in result.stdout
