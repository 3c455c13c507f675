from __future__ import annotations

import pytest

from tests.support.pki import TlsPki, make_tls_pki


@pytest.fixture(scope="session")
def unit_pki(tmp_path_factory: pytest.TempPathFactory) -> TlsPki:
    return make_tls_pki(tmp_path_factory.mktemp("unit-pki"))
