"""Keys on a PKCS#11 token (SoftHSM2): the key never leaves it, signatures verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from signing.keyring import OrganKey, Pkcs11Key, build_key_ring
from signing.keys import KeyMaterialError
from signing.pkcs11 import Pkcs11KeySource
from signing.pki import TestCa, TestPki, write_cert
from tests.support.signing_fixtures import SENDER, Checker, SoftHsm, sample_document

pkcs11 = pytest.importorskip("pkcs11")


def _generate(softhsm: SoftHsm, label: str, kind: str) -> None:
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_named_curve_parameters

    token = pkcs11.lib(str(softhsm.module)).get_token(token_label=softhsm.token_label)
    try:
        session = token.open(rw=True, user_pin=softhsm.pin)
    except pkcs11.exceptions.UserAlreadyLoggedIn:  # an earlier test's session is logged in
        session = token.open(rw=True)
    with session:
        if kind == "rsa":
            session.generate_keypair(KeyType.RSA, 2048, store=True, label=label)
        else:
            params = session.create_domain_parameters(
                KeyType.EC,
                {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
                local=True,
            )
            params.generate_keypair(store=True, label=label)


@pytest.mark.softhsm
@pytest.mark.parametrize(("kind", "algorithm"), [("rsa", "rsa-sha256"), ("ec", "ecdsa-sha256")])
def test_token_key_signs_and_verifies(
    softhsm: SoftHsm, pki: TestPki, tmp_path: Path, checker: Checker, kind: str, algorithm: str
) -> None:
    label = f"organ-{kind}"
    _generate(softhsm, label, kind)
    source = Pkcs11KeySource(softhsm.module, softhsm.token_label, label, softhsm.pin)
    now = datetime.now(UTC)
    cert = TestCa.load(pki.directory).issue_signing(
        source.private_key().public_key(),
        SENDER,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=30),
    )
    write_cert(tmp_path / "token.pem", cert)
    spec = OrganKey(
        SENDER,
        cert=tmp_path / "token.pem",
        pkcs11=Pkcs11Key(softhsm.module, softhsm.token_label, label, "LT_PIN"),
    )

    signer = build_key_ring([spec], environ={"LT_PIN": softhsm.pin}).signer_for(SENDER)
    assert signer is not None
    report = checker.report(signer.sign(sample_document()))

    assert report.accepted, report.reasons()
    assert report.signatures[0].algorithm == algorithm
    # each signature waits on the device: never on the node's event loop
    assert getattr(signer, "in_process", None) is False


@pytest.mark.softhsm
def test_private_key_cannot_be_exported(softhsm: SoftHsm) -> None:
    _generate(softhsm, "no-export", "rsa")
    key = Pkcs11KeySource(softhsm.module, softhsm.token_label, "no-export", softhsm.pin)
    with pytest.raises(TypeError, match="stays on the PKCS#11 token"):
        key.private_key().private_bytes()  # type: ignore[call-arg]


@pytest.mark.softhsm
def test_unknown_key_label_is_a_clear_error(softhsm: SoftHsm) -> None:
    source = Pkcs11KeySource(softhsm.module, softhsm.token_label, "absent", softhsm.pin)
    with pytest.raises(KeyMaterialError, match="cannot open PKCS#11 key 'absent'"):
        source.private_key()
