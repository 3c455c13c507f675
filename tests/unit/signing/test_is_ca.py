"""One answer to "is this certificate a CA?" for the trust store, the KeyInfo
leaf picker and the certificate inventory. The three copies it replaces
differed on a certificate whose extensions do not parse: the trust store
raised (a traceback at start), the inventory dropped the rest of the file, the
leaf picker said "not a CA"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtensionOID, NameOID

from signing.trust import ca_certificates_in, is_ca, load_material

KEY = ec.generate_private_key(ec.SECP256R1())


def _cert(name: str, extension: x509.ExtensionType | None) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2028, 1, 1, tzinfo=UTC))
    )
    if extension is not None:
        builder = builder.add_extension(extension, critical=True)
    return builder.sign(KEY, hashes.SHA256())


CA = _cert("ca", x509.BasicConstraints(ca=True, path_length=None))
LEAF = _cert("leaf", x509.BasicConstraints(ca=False, path_length=None))
BARE = _cert("bare", None)
#: BasicConstraints whose value is not DER: cryptography raises ValueError on reading it.
MALFORMED = _cert("malformed", x509.UnrecognizedExtension(ExtensionOID.BASIC_CONSTRAINTS, b"\x01"))


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(Encoding.PEM) for c in certs)


def test_only_a_certificate_that_says_ca_true_is_a_ca() -> None:
    assert [is_ca(c) for c in (CA, LEAF, BARE)] == [True, False, False]


def test_a_certificate_whose_extensions_do_not_parse_is_no_ca_and_no_crash() -> None:
    assert is_ca(MALFORMED) is False


def test_the_trust_store_skips_a_malformed_certificate_instead_of_failing(tmp_path: Path) -> None:
    (tmp_path / "anchors.pem").write_bytes(_pem(MALFORMED, CA, LEAF))
    material = load_material(tmp_path, ())
    assert material.anchors == (CA.public_bytes(Encoding.DER),)


def test_the_listing_keeps_the_cas_after_a_malformed_one_in_the_same_file(tmp_path: Path) -> None:
    (tmp_path / "a.pem").write_bytes(_pem(MALFORMED, CA, LEAF))
    (tmp_path / "b.crt").write_bytes(b"not a certificate")
    (tmp_path / "c.txt").write_bytes(_pem(CA))  # not a certificate file name
    assert list(ca_certificates_in(tmp_path)) == [(tmp_path / "a.pem", CA)]


def test_no_trust_directory_lists_nothing(tmp_path: Path) -> None:
    assert list(ca_certificates_in(None)) == []
    assert list(ca_certificates_in(tmp_path / "missing")) == []
