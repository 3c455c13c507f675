"""Fixtures shared by every layer."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples"


@pytest.fixture
def sample_document() -> bytes:
    return (SAMPLES / "document.edxml").read_bytes()


@pytest.fixture
def sample_status() -> bytes:
    return (SAMPLES / "status.edxml").read_bytes()
