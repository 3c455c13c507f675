"""Real `lienthong` processes: an auditor's session from test PKI to verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.signing_fixtures import SAMPLES, SENDER

LIENTHONG = Path(sys.executable).parent / "lienthong"


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LIENTHONG), *argv], capture_output=True, text=True, timeout=120, check=False
    )


def test_pki_sign_verify_tamper(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    assert _run("pki", "init", str(pki), "--organ", SENDER).returncode == 0

    signed = tmp_path / "signed.edxml"
    result = _run(
        "sign",
        str(SAMPLES / "document.edxml"),
        "--key",
        str(pki / f"{SENDER}.key"),
        "--cert",
        str(pki / f"{SENDER}.pem"),
        "-o",
        str(signed),
    )
    assert result.returncode == 0, result.stderr

    ok = _run("verify", str(signed), "--trust", str(pki), "--json")
    assert ok.returncode == 0, ok.stdout
    assert json.loads(ok.stdout)["documents"][0]["signer_organs"] == [SENDER]

    tampered = tmp_path / "tampered.edxml"
    tampered.write_bytes(signed.read_bytes().replace(b"1234/UBND-KGVX", b"9999/UBND-KGVX"))
    bad = _run("verify", str(signed), str(tampered), "--trust", str(pki))
    assert bad.returncode == 1
    assert f"{tampered}: NOT VALID" in bad.stdout
    assert "digest mismatch" in bad.stdout
    assert "Traceback" not in bad.stderr


def test_revoked_signer_fails_for_the_auditor(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    assert _run("pki", "init", str(pki), "--organ", SENDER).returncode == 0
    signed = tmp_path / "revoked.edxml"
    assert (
        _run(
            "sign",
            str(SAMPLES / "document.edxml"),
            "--key",
            str(pki / "revoked.key"),
            "--cert",
            str(pki / "revoked.pem"),
            "-o",
            str(signed),
        ).returncode
        == 0
    )

    result = _run("verify", str(signed), "--trust", str(pki))

    assert result.returncode == 1
    assert "envelope signature 1: REVOKED" in result.stdout
    assert "(CRL; reason: key compromise)" in result.stdout


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    result = _run("verify", str(tmp_path / "nothing.edxml"), "--trust", str(tmp_path))

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "cannot read" in result.stderr
