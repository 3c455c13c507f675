"""`lienthong init` writes a node.toml that `serve` accepts, and prints each
token once (node.toml keeps only the hashes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from node.config import load_config, token_sha256
from signing.pki import make_test_pki

H41, S41 = "000.00.00.H41", "000.00.12.H41"
LIENTHONG = [sys.executable, "-m", "node.app.cli.main"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LIENTHONG, *args], capture_output=True, text=True, timeout=60)


def test_init_with_a_pki_writes_a_loadable_config(tmp_path: Path) -> None:
    make_test_pki(tmp_path / "pki", [H41, S41])
    done = _run(
        "init",
        str(tmp_path / "node"),
        "--organ",
        H41,
        "--organ",
        S41,
        "--pki",
        str(tmp_path / "pki"),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    config = load_config(out["config"])
    assert config.node.organ_id == H41
    assert [o.id for o in config.organs] == [H41, S41]
    assert {d.id: d.token_sha256 for d in config.dms} == {
        client: token_sha256(token) for client, token in out["dms_tokens"].items()
    }
    assert config.admins[0].token_sha256 == token_sha256(out["admin_token"])
    text = Path(out["config"]).read_text()
    for token in [*out["dms_tokens"].values(), out["admin_token"]]:
        assert token not in text
    assert config.listen.peer is not None
    assert config.listen.dms.host == config.listen.peer.host == "127.0.0.1"
    assert config.listen.dms.port != config.listen.peer.port
    assert config.listen.dms.port > 0
    assert "# " in text  # commented for the operator


def test_init_prints_tokens_once_for_humans(tmp_path: Path) -> None:
    make_test_pki(tmp_path / "pki", [H41])
    done = _run("init", str(tmp_path / "n"), "--organ", H41, "--pki", str(tmp_path / "pki"))
    assert done.returncode == 0, done.stderr
    assert f"DMS dms-{H41}: " in done.stdout
    assert "admin (operator): " in done.stdout
    assert "lienthong serve --config" in done.stdout


def test_init_with_a_peer_and_default_route(tmp_path: Path) -> None:
    make_test_pki(tmp_path / "pki", [H41])
    peer_cert = tmp_path / "pki" / f"{H41}.tls.pem"
    done = _run(
        "init",
        str(tmp_path / "n"),
        "--organ",
        H41,
        "--pki",
        str(tmp_path / "pki"),
        "--peer",
        f"g22=https://127.0.0.1:9443,000.00.00.G22,{peer_cert}",
        "--default-peer",
        "g22",
    )
    assert done.returncode == 0, done.stderr
    config = load_config(tmp_path / "n" / "node.toml")
    assert config.peers[0].organ_id == "000.00.00.G22"
    assert config.routing.default_peer == "g22"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organ", "h41"], "--organ: organ id 'h41'"),
        (["--organ", H41, "--pki", "/nonexistent"], "missing ca.pem"),
        (["--organ", H41, "--peer", "g22=https://x"], "expected NAME=URL,ORGAN_ID,CERT_FILE"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = _run("init", str(tmp_path / "n"), *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "n" / "node.toml").exists()


def test_existing_config_is_kept_without_force(tmp_path: Path) -> None:
    make_test_pki(tmp_path / "pki", [H41])
    args = ("init", str(tmp_path / "n"), "--organ", H41, "--pki", str(tmp_path / "pki"))
    assert _run(*args).returncode == 0
    before = (tmp_path / "n" / "node.toml").read_text()
    again = _run(*args)
    assert again.returncode == 2
    assert "use --force" in again.stderr
    assert (tmp_path / "n" / "node.toml").read_text() == before
    assert _run(*args, "--force").returncode == 0


def test_init_makes_a_test_pki_by_default(tmp_path: Path) -> None:
    done = _run("init", str(tmp_path / "n"), "--organ", H41)
    assert done.returncode == 0, done.stderr
    config = load_config(tmp_path / "n" / "node.toml")
    assert config.tls is not None
    assert config.tls.cert == tmp_path / "n" / "pki" / f"{H41}.tls.pem"
