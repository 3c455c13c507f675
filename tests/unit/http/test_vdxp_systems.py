"""Which VDXP systems a configuration registers (adapters.http.wiring)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from adapters.http.wiring import vdxp_systems
from node.config import DmsEntry
from node.errors import ConfigError

H41, S41 = "000.00.00.H41", "000.00.12.H41"
ENV = {"SECRET_A": "0123456789abcdef-a", "SECRET_B": "0123456789abcdef-b"}


def systems(*entries: DmsEntry) -> list[Any]:
    return list(vdxp_systems(SimpleNamespace(dms=entries), ENV))  # type: ignore[arg-type]


def dms(name: str, *organs: str, **vdxp: str) -> DmsEntry:
    return DmsEntry(id=name, organs=organs, token_sha256="0" * 64, **vdxp)


def test_a_connected_system_speaks_for_all_its_organs() -> None:
    (system,) = systems(dms("a", H41, S41, vdxp_secret_env="SECRET_A", vdxp_system_id="vxp.s.1"))
    assert system.system_id == "vxp.s.1"
    assert system.principal.organs == frozenset({H41, S41})
    assert system.secret == ENV["SECRET_A"].encode()


def test_the_older_shape_still_makes_each_organ_a_system() -> None:
    found = systems(dms("a", H41, S41, vdxp_secret_env="SECRET_A"))
    assert {(s.system_id, s.principal.organs) for s in found} == {
        (H41, frozenset({H41})),
        (S41, frozenset({S41})),
    }


def test_a_system_id_without_a_secret_or_used_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"needs dms\[0\]\.vdxp_secret_env"):
        systems(dms("a", H41, vdxp_system_id="vxp.s.1"))
    with pytest.raises(ConfigError, match="used by two DMS entries"):
        systems(
            dms("a", H41, vdxp_secret_env="SECRET_A", vdxp_system_id="vxp.s.1"),
            dms("b", S41, vdxp_secret_env="SECRET_B", vdxp_system_id="vxp.s.1"),
        )
