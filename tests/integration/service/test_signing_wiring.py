"""The composition root's signing parts, from node.toml: the key ring holds a
signer for each organ the node signs for, checked at start; the verifier
accepts what those signers sign under the configured trust."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from node.app.wiring import make_key_ring, make_verifier
from node.config import parse_config
from node.errors import ConfigError
from signing.pki import make_test_pki
from tests.support.clock import FakeClock

H41, S41 = "000.00.00.H41", "000.00.12.H41"


def _config_text(pki: Path, key_organ: str = H41) -> str:
    return f"""
[node]
organ_id = "{H41}"
[trust]
dir = "{pki}"
revocation = "off"
[[organs]]
id = "{H41}"
key = "{pki / f"{key_organ}.key"}"
cert = "{pki / f"{H41}.pem"}"
[[organs]]
id = "{S41}"
signing = "dms"
[[dms]]
id = "d"
organs = ["{H41}", "{S41}"]
token_sha256 = "{"0" * 64}"
"""


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki")
    make_test_pki(directory, [H41, S41], key_algorithm="ec")
    return directory


def test_node_signs_for_its_organs_and_verifies_what_it_signed(
    pki: Path, tmp_path: Path, sample_document: bytes
) -> None:
    config = parse_config(_config_text(pki), tmp_path / "node.toml")
    ring = make_key_ring(config, {})
    assert ring.signer_for(S41) is None  # its DMS signs
    signer = ring.signer_for(H41)
    assert signer is not None
    signed = tmp_path / "signed.edxml"
    signed.write_bytes(signer.sign(sample_document))
    clock = FakeClock(datetime.now(UTC))
    outcome = make_verifier(config, clock).verify(signed)
    assert outcome.accepted, outcome.reasons
    assert H41 in outcome.signer_organs
    tampered = tmp_path / "tampered.edxml"
    tampered.write_bytes(signed.read_bytes().replace(b"1234/UBND", b"9999/UBND"))
    assert not make_verifier(config, clock).verify(tampered).accepted


def test_a_key_that_does_not_fit_its_certificate_stops_the_start(pki: Path, tmp_path: Path) -> None:
    config = parse_config(_config_text(pki, key_organ=S41), tmp_path / "node.toml")
    with pytest.raises(ConfigError):
        make_key_ring(config, {})


def test_unreadable_trust_material_stops_the_start(pki: Path, tmp_path: Path) -> None:
    (tmp_path / "trust").mkdir()
    (tmp_path / "trust" / "broken.crl").write_bytes(b"not a CRL")
    text = _config_text(pki).replace(f'dir = "{pki}"', f'dir = "{tmp_path / "trust"}"')
    config = parse_config(text, tmp_path / "node.toml")
    with pytest.raises(ConfigError):
        make_verifier(config, FakeClock())
