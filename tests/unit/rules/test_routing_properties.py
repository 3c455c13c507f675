"""Properties of the routing table against a brute-force oracle.

Patterns use the groups A, B and *; organ ids use A, B and C, where C appears
in no pattern and so stands for "any other value" of a group. Enumerating every
organ id of 3 and 4 groups is then an exhaustive check.
"""

from __future__ import annotations

from itertools import combinations, product

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from node.errors import UnknownDestination
from node.organ import OrganPattern
from node.routing import RoutingTable, TargetKind

NODE = "000.00.00.H41"
ORGANS = tuple(".".join(p) for n in (3, 4) for p in product("ABC", repeat=n))
PEERS = ("p1", "p2", "p3")

patterns = st.builds(
    ".".join, st.lists(st.sampled_from(["A", "B", "*"]), min_size=3, max_size=4)
) | st.just("*")
route_lists = st.lists(
    st.tuples(patterns, st.sampled_from(PEERS)), max_size=8, unique_by=lambda r: r[0]
)
local_maps = st.dictionaries(st.sampled_from(ORGANS), st.sampled_from(["dms1", "dms2"]), max_size=4)
defaults = st.none() | st.just("up")


def best_peers(routes: list[tuple[str, str]], organ: str) -> set[str]:
    """The peers of the most specific routes matching ``organ`` (oracle)."""
    matching = [(OrganPattern.parse(p), peer) for p, peer in routes]
    matching = [(p, peer) for p, peer in matching if p.matches(organ)]
    if not matching:
        return set()
    top = max(p.specificity for p, _ in matching)
    return {peer for p, peer in matching if p.specificity == top}


def overlap(a: str, b: str) -> str | None:
    """The pattern both equal-length patterns match, or None if disjoint."""
    ga, gb = a.split("."), b.split(".")
    if len(ga) != len(gb) or any("*" not in (x, y) and x != y for x, y in zip(ga, gb, strict=True)):
        return None
    return ".".join(y if x == "*" else x for x, y in zip(ga, gb, strict=True))


def with_deciders(routes: list[tuple[str, str]], peers: list[str]) -> list[tuple[str, str]]:
    """Add a route for the overlap of some equally specific conflicting pairs."""
    out = list(routes)
    for (a, pa), (b, pb) in combinations(routes, 2):
        cut = overlap(a, b) if pa != pb and a != "*" != b else None
        if cut and peers and cut not in dict(out):
            out.append((cut, peers.pop()))
    return out


@given(route_lists, local_maps, defaults, st.lists(st.sampled_from(PEERS), max_size=4))
def test_most_specific_route_always_wins(
    routes: list[tuple[str, str]],
    local: dict[str, str],
    default: str | None,
    deciders: list[str],
) -> None:
    drawn = len(routes)
    routes = with_deciders(routes, deciders)
    ambiguous = [o for o in ORGANS if len(best_peers(routes, o)) > 1]
    if ambiguous:
        event("refused as ambiguous")
        with pytest.raises(ValueError, match="ambiguous routes"):
            RoutingTable(local, routes, default, NODE)
        return
    table = RoutingTable(local, routes, default, NODE)  # no organ has two best routes
    if len(routes) > drawn:
        event("accepted with routes deciding overlaps")
    for organ in ORGANS:
        expected = best_peers(routes, organ)
        if organ in local:
            assert table.resolve(organ).kind is TargetKind.LOCAL
            assert table.resolve(organ).name == local[organ]
        elif expected:
            assert table.resolve(organ).name == expected.pop()
        elif default is not None:
            assert table.resolve(organ).name == default
        else:
            with pytest.raises(UnknownDestination):
                table.resolve(organ)


def safe_table(
    routes: list[tuple[str, str]], local: dict[str, str], default: str | None
) -> RoutingTable:
    """A table for the routes, with peers chosen by specificity (never ambiguous)."""
    by_rank = [(p, f"rank{OrganPattern.parse(p).specificity}") for p, _ in routes]
    return RoutingTable(local, by_rank, default, NODE)


@given(route_lists, local_maps, defaults, st.lists(st.sampled_from(ORGANS), max_size=12))
def test_plan_partitions_the_recipients_exactly(
    routes: list[tuple[str, str]],
    local: dict[str, str],
    default: str | None,
    recipients: list[str],
) -> None:
    table = safe_table(routes, local, default)
    unique = list(dict.fromkeys(recipients))
    unknown = []
    for organ in unique:
        try:
            table.resolve(organ)
        except UnknownDestination:
            unknown.append(organ)
    if unknown:
        with pytest.raises(UnknownDestination) as caught:
            table.plan(recipients)
        for organ in unknown:
            assert organ in caught.value.detail
        return
    plan = table.plan(recipients)
    planned = [organ for _, organs in plan.targets() for organ in organs]
    assert sorted(planned) == sorted(unique)  # each recipient exactly once
    for target, organs in plan.targets():
        assert organs, "no empty deliveries"
        assert list(organs) == [o for o in unique if o in organs]  # message order kept
        for organ in organs:
            assert table.resolve(organ) == target
    assert len(plan.targets()) == len({table.resolve(o) for o in unique})
