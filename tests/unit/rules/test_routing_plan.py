"""Fan-out of one message into one delivery per local DMS client and per peer."""

from __future__ import annotations

import pytest

from node.errors import UnknownDestination
from node.routing import RouteTarget, RoutingTable, TargetKind

NODE = "000.00.00.H41"


@pytest.fixture
def table() -> RoutingTable:
    return RoutingTable(
        local_organs={
            "000.00.00.H41": "ubnd-dms",
            "000.00.12.H41": "shared-dms",
            "000.00.13.H41": "shared-dms",
        },
        routes=[("*.*.*.G22", "vpcp"), ("*.*.*.H42", "h42")],
        default_peer=None,
        node_organ=NODE,
    )


def test_one_delivery_per_local_client_and_per_peer(table: RoutingTable) -> None:
    plan = table.plan(
        [
            "000.00.13.H41",
            "000.00.00.G22",
            "000.00.12.H41",
            "000.00.01.H42",
            "000.00.01.G22",
            "000.00.00.H41",
        ]
    )
    assert dict(plan.local) == {
        "shared-dms": ("000.00.13.H41", "000.00.12.H41"),
        "ubnd-dms": ("000.00.00.H41",),
    }
    assert dict(plan.peers) == {
        "vpcp": ("000.00.00.G22", "000.00.01.G22"),
        "h42": ("000.00.01.H42",),
    }
    assert plan.targets() == (
        (RouteTarget(TargetKind.LOCAL, "shared-dms"), ("000.00.13.H41", "000.00.12.H41")),
        (RouteTarget(TargetKind.LOCAL, "ubnd-dms"), ("000.00.00.H41",)),
        (RouteTarget(TargetKind.PEER, "vpcp"), ("000.00.00.G22", "000.00.01.G22")),
        (RouteTarget(TargetKind.PEER, "h42"), ("000.00.01.H42",)),
    )


def test_repeated_recipients_are_delivered_once(table: RoutingTable) -> None:
    plan = table.plan(["000.00.00.G22", "000.00.12.H41", "000.00.00.G22", "000.00.12.H41"])
    assert dict(plan.peers) == {"vpcp": ("000.00.00.G22",)}
    assert dict(plan.local) == {"shared-dms": ("000.00.12.H41",)}


def test_unknown_recipients_are_all_named(table: RoutingTable) -> None:
    with pytest.raises(UnknownDestination) as caught:
        table.plan(["000.00.05.G22", "000.00.00.K01", "bad", "000.00.00.K02"])
    detail = caught.value.detail
    assert "000.00.00.K01, 000.00.00.K02" in detail
    assert "invalid recipient: organ id 'bad'" in detail
    assert "000.00.05.G22" not in detail


def test_empty_recipient_list_plans_nothing(table: RoutingTable) -> None:
    plan = table.plan([])
    assert plan.targets() == ()


def test_plan_mappings_are_read_only(table: RoutingTable) -> None:
    plan = table.plan(["000.00.00.G22"])
    with pytest.raises(TypeError):
        plan.peers["x"] = ()  # type: ignore[index]


def test_peer_expected_for_a_remote_sender_is_its_route(table: RoutingTable) -> None:
    assert table.peer_expected_for("000.00.00.G22") == "vpcp"
    assert table.peer_expected_for("000.00.07.H42") == "h42"


def test_peer_expected_for_a_local_sender_is_none(table: RoutingTable) -> None:
    assert table.peer_expected_for("000.00.12.H41") is None


def test_peer_expected_for_a_sender_without_route_back_is_refused(table: RoutingTable) -> None:
    with pytest.raises(UnknownDestination, match=r"no route back to sender '000\.00\.00\.K01'"):
        table.peer_expected_for("000.00.00.K01")


def test_peer_expected_for_an_unrouted_sender_is_the_default_peer() -> None:
    table = RoutingTable({}, [], "axis", NODE)
    assert table.peer_expected_for("000.00.00.K01") == "axis"
