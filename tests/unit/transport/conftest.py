from __future__ import annotations

import pytest

from tests.support.pki import TestPki, make_pki


@pytest.fixture(scope="session")
def unit_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_pki(tmp_path_factory.mktemp("unit-pki"))
