"""TLS contexts and certificate matching (adapters.tls)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.tls import (
    PeerPin,
    cert_info,
    client_context,
    file_fingerprint,
    identify_peer,
    load_certificate,
    normalize_fingerprint,
    server_context,
)
from node.errors import ConfigError
from tests.support.pki import NODE_A_ORGAN, NODE_B_ORGAN, TlsPki


@dataclass(frozen=True)
class Peer:
    name: str
    pin: PeerPin


def test_server_context_requires_client_certificates(unit_pki: TlsPki) -> None:
    ctx = server_context(unit_pki.node_b.cert, unit_pki.node_b.key, unit_pki.ca)
    assert ctx.verify_mode is ssl.CERT_REQUIRED
    assert ctx.minimum_version is ssl.TLSVersion.TLSv1_2
    assert ctx.options & ssl.OP_NO_COMPRESSION


def test_client_context_verifies_the_server(unit_pki: TlsPki) -> None:
    ctx = client_context(unit_pki.node_a.cert, unit_pki.node_a.key, unit_pki.ca)
    assert ctx.verify_mode is ssl.CERT_REQUIRED
    assert ctx.minimum_version is ssl.TLSVersion.TLSv1_2
    assert not ctx.check_hostname
    suites = {c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert suites
    assert all("ECDHE" in s and ("GCM" in s or "CHACHA20" in s) for s in suites)


def test_crl_turns_on_revocation_checks(unit_pki: TlsPki) -> None:
    ctx = server_context(unit_pki.node_b.cert, unit_pki.node_b.key, unit_pki.ca, crl=unit_pki.crl)
    assert ctx.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF


def test_missing_material_is_a_config_error_naming_the_file(
    unit_pki: TlsPki, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"nope\.pem does not exist"):
        server_context(tmp_path / "nope.pem", unit_pki.node_b.key, unit_pki.ca)


def test_key_not_matching_certificate_is_a_config_error(unit_pki: TlsPki) -> None:
    with pytest.raises(ConfigError, match="cannot load TLS certificate"):
        client_context(unit_pki.node_a.cert, unit_pki.node_b.key, unit_pki.ca)


@pytest.mark.parametrize(
    "text",
    ["AB:" * 31 + "AB", "sha256:" + "ab" * 32, " " + "AB" * 32 + " "],
)
def test_fingerprint_forms_are_normalized(text: str) -> None:
    assert normalize_fingerprint(text) == "ab" * 32


@pytest.mark.parametrize("text", ["", "ab" * 31, "zz" * 32, "ab" * 33])
def test_bad_fingerprints_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="SHA-256"):
        normalize_fingerprint(text)


def test_pin_needs_something_to_match() -> None:
    with pytest.raises(ConfigError):
        PeerPin()
    with pytest.raises(ConfigError, match="organ id"):
        PeerPin(organ_id="not an organ")


def test_pin_by_fingerprint(unit_pki: TlsPki) -> None:
    pin = PeerPin(cert_sha256=unit_pki.node_b.sha256)
    assert pin.mismatch(unit_pki.node_b.der) is None
    problem = pin.mismatch(unit_pki.other.der)
    assert problem is not None
    assert unit_pki.other.sha256 in problem


def test_pin_by_organ_reads_the_subject(unit_pki: TlsPki) -> None:
    pin = PeerPin(organ_id=NODE_B_ORGAN)
    assert pin.mismatch(unit_pki.node_b.der) is None
    assert pin.mismatch(unit_pki.rogue.der) is None  # the chain check is the CA's job
    problem = pin.mismatch(unit_pki.node_a.der)
    assert problem is not None
    assert NODE_A_ORGAN in problem


def test_identify_peer(unit_pki: TlsPki) -> None:
    peers = [
        Peer("A", PeerPin(cert_sha256=unit_pki.node_a.sha256)),
        Peer("B", PeerPin(cert_sha256=unit_pki.node_b.sha256, organ_id=NODE_B_ORGAN)),
    ]
    assert identify_peer(unit_pki.node_a.der, peers) == "A"
    assert identify_peer(unit_pki.node_b.der, peers) == "B"
    assert identify_peer(unit_pki.other.der, peers) is None
    assert identify_peer(None, peers) is None


def test_ambiguous_configuration_identifies_nobody(unit_pki: TlsPki) -> None:
    peers = [
        Peer("B1", PeerPin(organ_id=NODE_B_ORGAN)),
        Peer("B2", PeerPin(cert_sha256=unit_pki.node_b.sha256)),
    ]
    assert identify_peer(unit_pki.node_b.der, peers) is None


def test_cert_info(unit_pki: TlsPki) -> None:
    cert = load_certificate(unit_pki.node_b.cert)
    info = cert_info(cert)
    assert info == cert_info(unit_pki.node_b.der)
    assert info.sha256 == unit_pki.node_b.sha256 == file_fingerprint(unit_pki.node_b.cert)
    assert info.organ_ids == (NODE_B_ORGAN,)
    assert f"CN={NODE_B_ORGAN}" in info.subject
    assert info.days_to_expiry(info.not_after - timedelta(days=3, hours=1)) == 3


def test_load_certificate_refuses_garbage(tmp_path: Path) -> None:
    (tmp_path / "x.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nnope\n")
    with pytest.raises(ConfigError, match=r"not an X\.509 certificate"):
        load_certificate(tmp_path / "x.pem")


def test_encrypted_key_with_password(unit_pki: TlsPki, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from adapters.tls import TlsMaterial, material_server_context, pinned_client_context

    key = serialization.load_pem_private_key(unit_pki.node_a.key.read_bytes(), None)
    encrypted = tmp_path / "a.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pass-phrase"),
        )
    )
    good = TlsMaterial(unit_pki.node_a.cert, encrypted, unit_pki.ca, key_password="pass-phrase")
    assert "pass-phrase" not in repr(good)
    material_server_context(good)
    pinned_client_context(good, PeerPin(organ_id=NODE_B_ORGAN), "B")
    wrong = TlsMaterial(unit_pki.node_a.cert, encrypted, unit_pki.ca, key_password="nope")
    with pytest.raises(ConfigError, match="cannot load TLS certificate"):
        material_server_context(wrong)


def test_pin_with_next_certificate_accepts_either_during_a_rotation(unit_pki: TlsPki) -> None:
    pin = PeerPin(cert_sha256=unit_pki.node_b.sha256, next_sha256=unit_pki.other.sha256)
    assert pin.mismatch(unit_pki.node_b.der) is None
    assert pin.mismatch(unit_pki.other.der) is None
    problem = pin.mismatch(unit_pki.node_a.der)
    assert problem is not None
    assert unit_pki.node_b.sha256 in problem
    assert unit_pki.other.sha256 in problem
    assert pin.fingerprints == (unit_pki.node_b.sha256, unit_pki.other.sha256)


def test_next_certificate_alone_is_not_a_pin(unit_pki: TlsPki) -> None:
    with pytest.raises(ConfigError, match="needs a current one"):
        PeerPin(organ_id=NODE_B_ORGAN, next_sha256=unit_pki.other.sha256)


def test_overlapping_pins_are_detected(unit_pki: TlsPki) -> None:
    old = PeerPin(cert_sha256=unit_pki.node_a.sha256)
    rotating = PeerPin(cert_sha256=unit_pki.node_b.sha256, next_sha256=unit_pki.node_a.sha256)
    assert rotating.overlaps(old)
    assert not rotating.overlaps(PeerPin(cert_sha256=unit_pki.other.sha256))


def test_identify_peer_knows_a_peer_by_its_next_certificate(unit_pki: TlsPki) -> None:
    peers = [
        Peer("A", PeerPin(cert_sha256=unit_pki.node_a.sha256)),
        Peer("B", PeerPin(cert_sha256=unit_pki.node_b.sha256, next_sha256=unit_pki.other.sha256)),
    ]
    assert identify_peer(unit_pki.other.der, peers) == "B"
    assert identify_peer(unit_pki.rogue.der, peers) is None
