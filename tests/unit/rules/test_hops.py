"""Loop and hop-limit refusal on receipt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from node.errors import LoopDetected
from node.ports.driven import Direction, Hop
from node.routing import RoutingTable, check_hops

ME = "000.00.00.H41"
T0 = datetime(2024, 9, 4, 1, 0, tzinfo=UTC)


def hops(*nodes: str) -> tuple[Hop, ...]:
    """Each node entered then left, one second apart."""
    out: list[Hop] = []
    for i, node in enumerate(nodes):
        out.append(Hop(node, T0 + timedelta(seconds=2 * i), Direction.IN))
        out.append(Hop(node, T0 + timedelta(seconds=2 * i + 1), Direction.OUT))
    return tuple(out)


def test_fresh_message_passes() -> None:
    check_hops((), node_organ=ME, limit=1)
    check_hops(hops("000.00.00.G22", "000.00.00.A01"), node_organ=ME, limit=8)


def test_message_that_already_entered_this_node_is_a_loop() -> None:
    path = hops("000.00.00.G22", ME, "000.00.00.A01")
    with pytest.raises(LoopDetected, match=r"routing loop: .*already passed this node") as caught:
        check_hops(path, node_organ=ME, limit=8)
    assert "hop 3 of 6, in at 2024-09-04T01:00:02+00:00" in caught.value.detail
    assert caught.value.kind == "loop-detected"


def test_message_that_left_this_node_and_comes_back_is_a_loop() -> None:
    path = (Hop(ME, T0, Direction.OUT), Hop("000.00.00.G22", T0, Direction.IN))
    with pytest.raises(LoopDetected, match=r"hop 1 of 2, out at"):
        check_hops(path, node_organ=ME, limit=8)


def test_hop_limit_counts_nodes_entered() -> None:
    path = hops("000.00.00.G01", "000.00.00.G02", "000.00.00.G03")
    check_hops(path, node_organ=ME, limit=4)
    with pytest.raises(
        LoopDetected, match=r"hop limit exceeded: .*entered 3 node\(s\).*limit is 3"
    ):
        check_hops(path, node_organ=ME, limit=3)


def test_out_hops_alone_do_not_count_towards_the_limit() -> None:
    path = tuple(Hop(f"000.00.00.G0{i}", T0, Direction.OUT) for i in range(5))
    check_hops(path, node_organ=ME, limit=1)


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="hop limit must be at least 1"):
        check_hops((), node_organ=ME, limit=0)


def test_table_checks_hops_for_its_own_node() -> None:
    table = RoutingTable({}, [], "axis", ME)
    with pytest.raises(LoopDetected, match=ME):
        table.check_hops(hops(ME), limit=8)
    table.check_hops(hops(ME), limit=8, node_organ="000.00.00.H42")
