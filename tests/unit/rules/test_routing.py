"""Routing table: local first, most specific peer pattern, default route, fan-out."""

from __future__ import annotations

import pytest

from node.errors import UnknownDestination
from node.organ import OrganPattern
from node.routing import RouteTarget, RoutingTable, TargetKind

NODE = "000.00.00.H41"


def local(name: str) -> RouteTarget:
    return RouteTarget(TargetKind.LOCAL, name)


def peer(name: str) -> RouteTarget:
    return RouteTarget(TargetKind.PEER, name)


@pytest.fixture
def table() -> RoutingTable:
    return RoutingTable(
        local_organs={"000.00.00.H41": "ubnd-dms", "000.00.12.H41": "sotttt-dms"},
        routes=[
            ("*.*.*.H41", "province-h41"),
            (OrganPattern.parse("*.*.*.G22"), "vpcp"),
            ("000.00.99.H41", "special"),
            ("*.*.12.H41", "dept-12"),
        ],
        default_peer="national-axis",
        node_organ=NODE,
    )


def test_local_exact_match_wins_over_any_pattern(table: RoutingTable) -> None:
    assert table.resolve("000.00.12.H41") == local("sotttt-dms")
    assert table.resolve("000.00.00.H41") == local("ubnd-dms")


def test_most_specific_pattern_wins(table: RoutingTable) -> None:
    assert table.resolve("000.00.99.H41") == peer("special")
    assert table.resolve("001.00.12.H41") == peer("dept-12")
    assert table.resolve("000.00.13.H41") == peer("province-h41")
    assert table.resolve("000.00.00.G22") == peer("vpcp")


def test_default_route_takes_the_rest(table: RoutingTable) -> None:
    assert table.resolve("000.00.00.K01") == peer("national-axis")
    assert table.resolve("000.00.H41") == peer("national-axis")  # three groups: no pattern


def test_config_order_does_not_change_the_winner() -> None:
    routes = [("*.*.*.H41", "wide"), ("000.*.*.H41", "narrow")]
    forward = RoutingTable({}, routes, None, NODE)
    backward = RoutingTable({}, list(reversed(routes)), None, NODE)
    assert forward.resolve("000.00.01.H41") == backward.resolve("000.00.01.H41") == peer("narrow")


def test_wildcard_route_matches_everything_but_loses_to_specific_ones() -> None:
    table = RoutingTable({}, [("*", "up"), ("*.*.*.G22", "vpcp")], None, NODE)
    assert table.resolve("000.00.00.G22") == peer("vpcp")
    assert table.resolve("X") == peer("up")


def test_no_route_names_the_organ() -> None:
    table = RoutingTable({}, [("*.*.*.H41", "province")], None, NODE)
    with pytest.raises(UnknownDestination, match=r"000\.00\.00\.G22") as caught:
        table.resolve("000.00.00.G22")
    assert caught.value.kind == "unknown-destination"
    assert caught.value.http_status == 422


def test_invalid_organ_id_has_no_route_even_with_a_default(table: RoutingTable) -> None:
    with pytest.raises(UnknownDestination, match=r"invalid recipient: organ id 'ABC\.\*'"):
        table.resolve("ABC.*")
    # lower-case dotted names are connected systems' codes, never routed
    with pytest.raises(UnknownDestination, match=r"invalid recipient: 'abc\.x' is a connected"):
        table.resolve("abc.x")


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ([("*.*.*.h41", "p")], r"route 1: routing pattern '\*\.\*\.\*\.h41'"),
        ([("ok.*", "p")], r"route 1: routing pattern 'ok\.\*'"),
        ([("A.B", "p"), ("*..B", "q")], r"route 2: routing pattern '\*\.\.B'"),
        ([("*.*.*.H41", "p"), ("*.*.*.H41", "q")], r"duplicate route pattern \*\.\*\.\*\.H41"),
        ([("*.*.*.H41", "p"), ("*.*.*.H41", "p")], r"duplicate route pattern \*\.\*\.\*\.H41"),
        ([("*.*.*.H41", "")], r"route \*\.\*\.\*\.H41: peer name is empty"),
    ],
)
def test_bad_routes_are_refused_naming_the_pattern(
    routes: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RoutingTable({}, routes, None, NODE)


def test_equally_specific_overlapping_routes_to_different_peers_are_ambiguous() -> None:
    routes = [("*.*.12.H41", "a"), ("000.*.*.H41", "b")]
    with pytest.raises(ValueError, match=r"ambiguous routes: \*\.\*\.12\.H41 .*000\.\*\.12\.H41"):
        RoutingTable({}, routes, None, NODE)


def test_ambiguity_decided_by_a_more_specific_route_is_accepted() -> None:
    routes = [("*.*.12.H41", "a"), ("000.*.*.H41", "b"), ("000.*.12.H41", "a")]
    table = RoutingTable({}, routes, None, NODE)
    assert table.resolve("000.00.12.H41") == peer("a")
    assert table.resolve("000.00.13.H41") == peer("b")
    assert table.resolve("001.00.12.H41") == peer("a")


def test_equally_specific_overlapping_routes_to_one_peer_are_fine() -> None:
    table = RoutingTable({}, [("*.*.12.H41", "a"), ("000.*.*.H41", "a")], None, NODE)
    assert table.resolve("000.00.12.H41") == peer("a")


def test_disjoint_equally_specific_routes_are_fine() -> None:
    table = RoutingTable({}, [("*.*.*.H41", "a"), ("*.*.*.H42", "b")], None, NODE)
    assert table.resolve("000.00.00.H42") == peer("b")


@pytest.mark.parametrize(
    ("local_organs", "node_organ", "default", "message"),
    [
        ({"bad id": "dms"}, NODE, None, r"local organ: organ id 'bad id'"),
        ({"000.00.00.H41": ""}, NODE, None, r"local organ 000\.00\.00\.H41: DMS client id"),
        ({}, "h41", None, r"node organ: organ id 'h41'"),
        ({}, NODE, "", r"default route: peer name is empty"),
    ],
)
def test_bad_table_settings_are_refused(
    local_organs: dict[str, str], node_organ: str, default: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RoutingTable(local_organs, [], default, node_organ)


def test_peers_lists_every_route_target(table: RoutingTable) -> None:
    assert table.peers == {"province-h41", "vpcp", "special", "dept-12", "national-axis"}
    assert table.local_organs == {"000.00.00.H41": "ubnd-dms", "000.00.12.H41": "sotttt-dms"}
