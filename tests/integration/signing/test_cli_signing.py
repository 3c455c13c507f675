"""`lienthong pki init`, `lienthong sign`, `lienthong verify`: exit codes, output, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.app.cli.main import main
from signing.pki import TestPki
from tests.support.signing_fixtures import SAMPLES, SENDER


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_pki_init_writes_marked_test_material(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pki"
    code, out, _ = _run(
        capsys, "pki", "init", str(target), "--organ", SENDER, "--organ", "000.00.12.H41"
    )

    assert code == 0
    assert "TEST ONLY" in out
    for name in ("ca.pem", "ca.key", "ca.crl", "revoked.pem", "revoked.key", "expired.pem"):
        assert (target / name).is_file(), name
    for organ in (SENDER, "000.00.12.H41"):
        for suffix in (".pem", ".key", ".tls.pem", ".tls.key", ".sample.pdf"):
            assert (target / f"{organ}{suffix}").is_file()
    assert b"PRIVATE KEY" in (target / f"{SENDER}.key").read_bytes()
    assert (target / f"{SENDER}.key").stat().st_mode & 0o077 == 0


def test_pki_init_refuses_a_bad_organ_id_and_an_existing_pki(
    pki: TestPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "pki", "init", str(tmp_path / "x"), "--organ", "g22")
    assert code == 2
    assert "organ id 'g22'" in err

    code, _, err = _run(capsys, "pki", "init", str(pki.directory), "--organ", SENDER)
    assert code == 2
    assert "already holds a PKI" in err


def test_sign_then_verify(pki: TestPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    material = pki.organ(SENDER)
    out_file = tmp_path / "signed.edxml"
    code, _, _ = _run(
        capsys,
        "sign",
        str(SAMPLES / "document.edxml"),
        "--key",
        str(material.key),
        "--cert",
        str(material.cert),
        "-o",
        str(out_file),
    )
    assert code == 0

    code, out, _ = _run(capsys, "verify", str(out_file), "--trust", str(pki.directory))

    assert code == 0
    assert f"{out_file}: VALID" in out
    assert f"signer:    TEST ONLY organ {SENDER} ({SENDER})" in out


def test_verify_json_is_stable(
    pki: TestPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unsigned = SAMPLES / "document.edxml"

    code, out, _ = _run(capsys, "verify", str(unsigned), "--trust", str(pki.directory), "--json")

    assert code == 1
    data = json.loads(out)
    assert data["version"] == 1
    assert data["accepted"] is False
    (doc,) = data["documents"]
    assert set(doc) >= {
        "version",
        "path",
        "accepted",
        "validation_time",
        "policy",
        "signer_organs",
        "weak_algorithm",
        "signatures",
        "attachments",
        "problems",
        "warnings",
        "reasons",
    }
    assert doc["reasons"] == ["the envelope carries no signature"]


def test_verify_exit_codes_for_usage_and_unreadable(
    pki: TestPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = str(SAMPLES / "document.edxml")
    code, _, err = _run(
        capsys, "verify", str(tmp_path / "missing.edxml"), "--trust", str(pki.directory)
    )
    assert code == 2
    assert "cannot read" in err

    code, _, err = _run(capsys, "verify", doc, "--trust", str(tmp_path / "nowhere"))
    assert code == 2
    assert "does not exist" in err

    code, _, err = _run(capsys, "verify", doc, "--trust", str(pki.directory), "--at", "yesterday")
    assert code == 2
    assert "not an ISO 8601" in err

    (tmp_path / "bad.edxml").write_text("<edXML>")
    code, _, err = _run(
        capsys, "verify", str(tmp_path / "bad.edxml"), "--trust", str(pki.directory)
    )
    assert code == 2
    assert err.count("\n") == 1


def test_sign_exit_codes(pki: TestPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    material = pki.organ(SENDER)
    doc = str(SAMPLES / "document.edxml")

    code, _, err = _run(
        capsys, "sign", doc, "--key", str(tmp_path / "none.key"), "--cert", str(material.cert)
    )
    assert code == 2
    assert "cannot read key file" in err

    not_envelope = tmp_path / "other.xml"
    not_envelope.write_text("<other/>")
    code, _, err = _run(
        capsys, "sign", str(not_envelope), "--key", str(material.key), "--cert", str(material.cert)
    )
    assert code == 1
    assert "edXMLHeader not found" in err

    code, _, err = _run(capsys, "sign", doc, "--cert", str(material.cert))
    assert code == 2
    assert "--key or --pkcs11-module" in err


def test_sign_with_password_file(
    pki: TestPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives import serialization

    from signing.keys import PemKeyFile

    material = pki.organ(SENDER)
    key = PemKeyFile(material.key).private_key()
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"mat-khau"),
        )
    )
    (tmp_path / "pw").write_text("mat-khau\n")
    doc = str(SAMPLES / "document.edxml")
    base = ["sign", doc, "--key", str(tmp_path / "k.pem"), "--cert", str(material.cert)]

    code, out, _ = _run(capsys, *base, "--key-password-file", str(tmp_path / "pw"))
    assert code == 0
    assert "SignatureValue" in out

    (tmp_path / "pw").write_text("sai\n")
    code, _, err = _run(capsys, *base, "--key-password-file", str(tmp_path / "pw"))
    assert code == 2
    assert "wrong password" in err
