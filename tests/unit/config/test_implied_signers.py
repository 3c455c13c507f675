"""Who may sign for whom follows from the configuration (the sender binding)."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.app.wiring import implied_signers
from node.config import parse_config
from node.errors import ConfigError
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


def test_the_default_peer_signs_for_nothing_more(tmp_path: Path) -> None:
    """Issue 14, hole 7: the default route grants no organ; the peer's organ
    signs for itself (and what routes or its organs name) only."""
    config = parse_config(CONFIG + '[routing]\ndefault_peer = "up"\n', tmp_path / "n")
    policy = VerificationPolicy(signers_for=implied_signers(config))

    assert not policy.may_sign_for("000.00.00.A01", "000.00.00.B01")
    assert policy.may_sign_for("000.00.00.A01", "000.00.00.A01")


def test_explicit_peer_organs_replace_the_derived_ones(tmp_path: Path) -> None:
    text = CONFIG.replace(
        'organ_id = "000.00.00.A01"\n', 'organ_id = "000.00.00.A01"\norgans = ["000.00.*.B01"]\n'
    )
    policy = VerificationPolicy(signers_for=implied_signers(parse_config(text, tmp_path / "n")))

    assert policy.may_sign_for("000.00.00.A01", "000.00.07.B01")
    assert not policy.may_sign_for("000.00.00.A01", "000.00.00.C01")


def test_signers_tables_add_who_may_sign_for_whom(tmp_path: Path) -> None:
    text = CONFIG + '[[signers]]\norgan = "000.00.00.H41"\nmay_sign_for = ["000.00.*.H41"]\n'
    policy = VerificationPolicy(signers_for=implied_signers(parse_config(text, tmp_path / "n")))

    assert policy.may_sign_for("000.00.00.H41", "000.00.99.H41")
    assert not policy.may_sign_for("000.00.00.H41", "000.00.99.G22")
    assert not policy.may_sign_for("000.00.99.H41", "000.00.00.H41")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[[signers]]\norgan = "000.00.00.H41"\nmay_sign_for = ["*"]\nscope = 1\n', "scope"),
        ('[[signers]]\norgan = "bad"\nmay_sign_for = ["*"]\n', r"signers\[0\]\.organ"),
        ('[[signers]]\norgan = "000.00.00.H41"\nmay_sign_for = ["a.b"]\n', "may_sign_for"),
        ('[[signers]]\norgan = "000.00.00.H41"\n', "may_sign_for"),
    ],
)
def test_signers_tables_are_checked(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(CONFIG + extra, tmp_path / "n")


def test_peer_organs_are_checked_and_unknown_peer_keys_named(tmp_path: Path) -> None:
    bad = CONFIG.replace(
        'organ_id = "000.00.00.A01"\n', 'organ_id = "000.00.00.A01"\norgans = ["x y"]\n'
    )
    with pytest.raises(ConfigError, match=r"peers\[1\]\.organs"):
        parse_config(bad, tmp_path / "n")
    typo = CONFIG.replace(
        'organ_id = "000.00.00.A01"\n', 'organ_id = "000.00.00.A01"\norgan = ["*"]\n'
    )
    with pytest.raises(ConfigError, match=r"peers\[1\]\.organ\b"):
        parse_config(typo, tmp_path / "n")
