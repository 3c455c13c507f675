"""Fixtures for the signing tests (shared material lives in tests/support/signing_fixtures.py)."""

from tests.support.signing_fixtures import (  # noqa: F401 - re-exported fixtures
    checker,
    ec_material,
    foreign_pki,
    pki,
    signed_sample,
    softhsm,
)
