"""An organ id travels in the certificate subject: UID, else serialNumber."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signing.identity import SignerInfo, organ_id_of

_KEY = ec.generate_private_key(ec.SECP256R1())


def _cert(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(_KEY.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(_KEY, hashes.SHA256())
    )


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (((NameOID.USER_ID, "000.00.00.G22"),), "000.00.00.G22"),
        (((NameOID.USER_ID, "MDD:000.00.12.H41"),), "000.00.12.H41"),
        (((NameOID.SERIAL_NUMBER, "000.00.00.H41"),), "000.00.00.H41"),
        (((NameOID.USER_ID, "MST:0100109106-lowercase"),), None),
        (((NameOID.USER_ID, "g22"), (NameOID.SERIAL_NUMBER, "000.00.00.G22")), "000.00.00.G22"),
        (((NameOID.COMMON_NAME, "Văn phòng Chính phủ"),), None),
    ],
)
def test_organ_id_of(
    attributes: tuple[tuple[x509.ObjectIdentifier, str], ...], expected: str | None
) -> None:
    assert organ_id_of(_cert(*attributes)) == expected


def test_signer_info_names_the_organ() -> None:
    cert = _cert((NameOID.COMMON_NAME, "Văn phòng Chính phủ"), (NameOID.USER_ID, "000.00.00.G22"))

    info = SignerInfo.of(cert)

    assert info.label() == "Văn phòng Chính phủ (000.00.00.G22)"
    assert info.as_dict()["organ_id"] == "000.00.00.G22"
    assert len(info.sha256) == 64
