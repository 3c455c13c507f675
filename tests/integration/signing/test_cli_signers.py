"""`lienthong verify --signers FILE | --config node.toml`: an auditor applies
offline the same who-may-sign-for-whom rule as the node (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.app.cli.main import main
from signing.pki import TestPki
from tests.support.signing_fixtures import OTHER, SENDER, sample_document, signer_for


def _verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["verify", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def forged(pki: TestPki, tmp_path: Path) -> Path:
    """From SENDER (H41), signed by OTHER's (G22's) trusted certificate only."""
    path = tmp_path / "signed-by-g22.edxml"
    path.write_bytes(signer_for(pki, OTHER).sign(sample_document()))
    return path


def test_without_a_rule_each_organ_signs_only_for_itself(
    pki: TestPki, forged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _verify(capsys, str(forged), "--trust", str(pki.directory))
    assert code == 1
    assert f"no signature binds the sender {SENDER}: signed by {OTHER}" in out


def test_a_signers_file_lets_an_organ_sign_for_others(
    pki: TestPki, forged: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    allowed = tmp_path / "signers.toml"
    allowed.write_text(f'[[signers]]\norgan = "{OTHER}"\nmay_sign_for = ["*.*.*.H41"]\n')
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(f'[[signers]]\norgan = "{OTHER}"\nmay_sign_for = ["*.*.*.K99"]\n')
    trust = ("--trust", str(pki.directory))

    assert _verify(capsys, str(forged), *trust, "--signers", str(allowed))[0] == 0
    assert _verify(capsys, str(forged), *trust, "--signers", str(elsewhere))[0] == 1


def test_a_node_config_applies_the_nodes_own_rule(
    pki: TestPki, forged: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    node = tmp_path / "node.toml"
    node.write_text(f"""
[node]
organ_id = "{OTHER}"
[trust]
dir = "{pki.directory}"
[[organs]]
id = "{OTHER}"
signing = "dms"
[[dms]]
id = "dms"
organs = ["{OTHER}"]
token_sha256 = "{"a" * 64}"
""")
    trust = ("--trust", str(pki.directory))
    assert _verify(capsys, str(forged), *trust, "--config", str(node))[0] == 1

    node.write_text(
        node.read_text() + f'[[signers]]\norgan = "{OTHER}"\nmay_sign_for = ["{SENDER}"]\n'
    )
    code, out, _ = _verify(capsys, str(forged), *trust, "--config", str(node))
    assert code == 0, out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f'[[signers]]\norgan = "{OTHER}"\nmay_sign_for = ["*"]\nwhy = "x"\n', "signers[0].why"),
        ('[[signers]]\norgan = "g 22"\nmay_sign_for = ["*"]\n', "signers[0].organ"),
        ("[[signers]]\norgan = ", "not valid TOML"),
        (f'[peers]\norgan = "{OTHER}"\n', "peers"),
    ],
)
def test_a_bad_signers_file_is_a_usage_error_naming_the_key(
    pki: TestPki,
    forged: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    message: str,
) -> None:
    path = tmp_path / "signers.toml"
    path.write_text(text)
    code, _, err = _verify(
        capsys, str(forged), "--trust", str(pki.directory), "--signers", str(path)
    )
    assert code == 2
    assert message in err
