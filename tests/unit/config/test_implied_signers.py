"""Who may sign for whom follows from the configuration (the sender binding)."""

from __future__ import annotations

from pathlib import Path

from node.app.wiring import implied_signers
from node.config import parse_config
from signing.policy import VerificationPolicy

CONFIG = """
[node]
organ_id = "000.00.00.H41"
[trust]
dir = "trust"
[tls]
cert = "c.pem"
key = "k.pem"
ca = "ca.pem"
[[organs]]
id = "000.00.12.H41"
signing = "dms"
[[dms]]
id = "stttt"
organs = ["000.00.12.H41"]
token_sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
[[peers]]
name = "g22"
url = "https://g22.example/"
organ_id = "000.00.00.G22"
certificate = "g22.pem"
[[peers]]
name = "up"
url = "https://up.example/"
organ_id = "000.00.00.A01"
certificate = "up.pem"
[[routes]]
pattern = "*.*.*.G22"
peer = "g22"
"""


def test_nodes_sign_for_the_organs_they_serve(tmp_path: Path) -> None:
    policy = VerificationPolicy(signers_for=implied_signers(parse_config(CONFIG, tmp_path / "n")))

    assert policy.may_sign_for("000.00.00.H41", "000.00.12.H41")  # this node, a local organ
    assert policy.may_sign_for("000.00.00.G22", "000.00.05.G22")  # a peer, its routed organs
    assert not policy.may_sign_for("000.00.00.G22", "000.00.12.H41")
    assert not policy.may_sign_for("000.00.00.A01", "000.00.05.G22")  # no route names it
    assert not policy.may_sign_for("000.00.12.H41", "000.00.00.H41")  # a department, its parent


def test_the_default_peer_signs_for_organs_no_route_names(tmp_path: Path) -> None:
    config = parse_config(CONFIG + '[routing]\ndefault_peer = "up"\n', tmp_path / "n")
    policy = VerificationPolicy(signers_for=implied_signers(config))

    assert policy.may_sign_for("000.00.00.A01", "000.00.00.B01")
