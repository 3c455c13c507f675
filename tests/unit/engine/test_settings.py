"""Engine settings refuse values that cannot work, naming the problem."""

from __future__ import annotations

import pytest

from node.engine import EngineSettings, SigningMode
from node.ports.driven import DestinationKind
from tests.unit.engine.conftest import NODE, STTTT, routing


def test_hop_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="hop_limit"):
        EngineSettings(node_organ=NODE, routing=routing(), hop_limit=0)


def test_routing_table_must_belong_to_the_node() -> None:
    with pytest.raises(ValueError, match="routing table is for node"):
        EngineSettings(node_organ=STTTT, routing=routing())


def test_local_clients_cannot_be_pushed_to_as_peers() -> None:
    with pytest.raises(ValueError, match="push mode"):
        EngineSettings(node_organ=NODE, routing=routing(), push={"dms-stttt": DestinationKind.PEER})


def test_signing_mode_defaults_per_organ() -> None:
    s = EngineSettings(node_organ=NODE, routing=routing(), signing={STTTT: SigningMode.NODE})
    assert (s.signing_mode(STTTT), s.signing_mode(NODE)) == (SigningMode.NODE, SigningMode.DMS)
