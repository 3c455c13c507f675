"""The trust store: only CAs are anchors, CRLs load, changes are picked up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from signing.pki import TestPki
from signing.trust import TrustStore, TrustStoreError, load_material


def test_only_ca_certificates_become_anchors(pki: TestPki) -> None:
    material = load_material(pki.directory, [])

    # ca.pem is the one CA; organ, TLS, revoked and expired certificates are not anchors.
    assert len(material.anchors) == 1
    assert len(material.crls) == 1


def test_extra_crl_files_are_added_once(pki: TestPki) -> None:
    material = load_material(pki.directory, [pki.crl])

    assert len(material.crls) == 1


def test_unreadable_certificate_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "broken.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"
    )

    with pytest.raises(TrustStoreError, match=r"not a readable X\.509 certificate"):
        load_material(tmp_path, [])


def test_unreadable_crl_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "ca.crl").write_bytes(b"garbage")

    with pytest.raises(TrustStoreError, match="not a readable CRL"):
        load_material(tmp_path, [])


def test_store_reloads_when_a_file_changes(pki: TestPki, tmp_path: Path) -> None:
    directory = tmp_path / "trust"
    directory.mkdir()
    (directory / "ca.pem").write_bytes(pki.ca_cert.read_bytes())
    store = TrustStore(directory, recheck_seconds=0)
    first = store.material()
    assert store.material() is first  # unchanged files: the same material

    (directory / "ca.crl").write_bytes(pki.crl.read_bytes())
    second = store.material()

    assert second is not first
    assert len(second.crls) == 1


def test_store_rechecks_files_at_most_every_interval(pki: TestPki, tmp_path: Path) -> None:
    directory = tmp_path / "trust"
    directory.mkdir()
    (directory / "ca.pem").write_bytes(pki.ca_cert.read_bytes())
    store = TrustStore(directory, recheck_seconds=3600)
    first = store.material()

    (directory / "ca.crl").write_bytes(pki.crl.read_bytes())
    os.utime(directory / "ca.crl")

    assert store.material() is first
