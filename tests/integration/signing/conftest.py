"""Fixtures for the signing tests (shared material lives in tests/signing_support.py)."""

from tests.signing_support import (  # noqa: F401 - re-exported fixtures
    checker,
    ec_material,
    foreign_pki,
    pki,
    signed_sample,
    softhsm,
)
