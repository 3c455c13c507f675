"""The routing table (domain §2 [our rule]): where a message for an organ goes.

An organ is served either by a local DMS client (exact organ ids, from config)
or by a peer node (organ-id patterns such as ``*.*.*.H41``). Resolution order:
a local exact match, then the most specific matching peer pattern, then the
default route up to the next axis. Anything else has no route and is refused
at submit (:class:`~node.errors.UnknownDestination`), never dropped.

Ambiguity is a configuration error, found when the table is built: two
patterns that are equally specific, overlap, and lead to different peers are
refused unless a more specific route decides their overlap.

Pure: no I/O, no clock; hops carry their own times.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from node.errors import LoopDetected, UnknownDestination
from node.organ import OrganPattern, organ_id_problem
from node.ports.driven import Direction, Hop


class TargetKind(enum.StrEnum):
    LOCAL = "local"
    """A local DMS client; ``RouteTarget.name`` is its client id."""
    PEER = "peer"
    """Another node; ``RouteTarget.name`` is the peer's name in node.toml."""


@dataclass(frozen=True)
class RouteTarget:
    kind: TargetKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class RoutingPlan:
    """Where one message goes: one delivery per local DMS client and one per peer,
    each with the recipients (organ ids, in message order) it carries."""

    local: Mapping[str, tuple[str, ...]]
    peers: Mapping[str, tuple[str, ...]]

    def targets(self) -> tuple[tuple[RouteTarget, tuple[str, ...]], ...]:
        """Every delivery as (target, recipients): local clients first, then peers."""
        local = [(RouteTarget(TargetKind.LOCAL, k), v) for k, v in self.local.items()]
        peers = [(RouteTarget(TargetKind.PEER, k), v) for k, v in self.peers.items()]
        return (*local, *peers)


@dataclass(frozen=True)
class _Route:
    pattern: OrganPattern
    peer: str
    order: int
    """Position in config: breaks ties between equally specific routes to one peer."""


class RoutingTable:
    """Resolves organ ids to local DMS clients or peers. Immutable once built."""

    def __init__(
        self,
        local_organs: Mapping[str, str],
        routes: Sequence[tuple[OrganPattern | str, str]],
        default_peer: str | None,
        node_organ: str,
    ) -> None:
        problem = organ_id_problem(node_organ)
        if problem is not None:
            raise ValueError(f"node organ: {problem}")
        if default_peer is not None and not default_peer:
            raise ValueError("default route: peer name is empty")
        self.node_organ = node_organ
        self.default_peer = default_peer
        self._local = MappingProxyType(_checked_local(local_organs))
        self._routes = _checked_routes(routes)

    @property
    def local_organs(self) -> Mapping[str, str]:
        return self._local

    @property
    def peers(self) -> frozenset[str]:
        """Every peer name the table can route to (routes and default)."""
        names = {r.peer for r in self._routes}
        if self.default_peer is not None:
            names.add(self.default_peer)
        return frozenset(names)

    def routed_to(self, peer: str) -> tuple[OrganPattern, ...]:
        """The patterns of the routes naming ``peer`` (the default route aside)."""
        return tuple(
            r.pattern for r in sorted(self._routes, key=lambda r: r.order) if r.peer == peer
        )

    def resolve(self, organ_id: str) -> RouteTarget:
        """Where messages for ``organ_id`` go. Raises UnknownDestination."""
        target = self._lookup(organ_id)
        if target is None:
            raise UnknownDestination(_no_route_detail([organ_id]))
        return target

    def plan(self, recipients: Iterable[str]) -> RoutingPlan:
        """Fan a message out: one delivery per local client and per peer.

        Recipients keep their first-seen order and appear once. Unknown
        recipients are all named in one UnknownDestination."""
        local: dict[str, list[str]] = {}
        peers: dict[str, list[str]] = {}
        unknown: list[str] = []
        for organ_id in dict.fromkeys(recipients):
            target = self._lookup(organ_id)
            if target is None:
                unknown.append(organ_id)
                continue
            bucket = local if target.kind is TargetKind.LOCAL else peers
            bucket.setdefault(target.name, []).append(organ_id)
        if unknown:
            raise UnknownDestination(_no_route_detail(unknown))
        return RoutingPlan(
            local=MappingProxyType({k: tuple(v) for k, v in local.items()}),
            peers=MappingProxyType({k: tuple(v) for k, v in peers.items()}),
        )

    def peer_expected_for(self, sender_organ: str) -> str | None:
        """The peer a message from ``sender_organ`` must come from (the peer that
        routes back to it), or None when the sender is served locally.

        Raises UnknownDestination when the table has no route back to the sender:
        such a message could not even get its status 01 home."""
        target = self._lookup(sender_organ)
        if target is None:
            raise UnknownDestination(
                f"no route back to sender {sender_organ!r}: it is not a local organ, "
                "matches no peer route and there is no default route"
            )
        return target.name if target.kind is TargetKind.PEER else None

    def check_hops(self, hops: Sequence[Hop], *, limit: int, node_organ: str | None = None) -> None:
        """:func:`check_hops` for this node (``node_organ`` defaults to the table's)."""
        check_hops(hops, node_organ=node_organ or self.node_organ, limit=limit)

    def _lookup(self, organ_id: str) -> RouteTarget | None:
        client = self._local.get(organ_id)
        if client is not None:
            return RouteTarget(TargetKind.LOCAL, client)
        if organ_id_problem(organ_id) is not None:
            return None
        for route in self._routes:  # sorted most specific first
            if route.pattern.matches(organ_id):
                return RouteTarget(TargetKind.PEER, route.peer)
        if self.default_peer is not None:
            return RouteTarget(TargetKind.PEER, self.default_peer)
        return None


def check_hops(hops: Sequence[Hop], *, node_organ: str, limit: int) -> None:
    """Refuse a message that already passed this node or passed too many nodes.

    ``hops`` are those that came with the message, before this node adds its own.
    Any hop of this node counts (in or out): a message that left here and comes
    back is a loop either way. ``limit`` is the most "in" hops (nodes entered)
    a message may carry on arrival."""
    if limit < 1:
        raise ValueError(f"hop limit must be at least 1, got {limit}")
    for index, hop in enumerate(hops, start=1):
        if hop.node == node_organ:
            raise LoopDetected(
                f"routing loop: the message already passed this node {node_organ} "
                f"(hop {index} of {len(hops)}, {hop.direction} at {hop.at.isoformat()})"
            )
    entered = sum(1 for hop in hops if hop.direction == Direction.IN)
    if entered >= limit:
        raise LoopDetected(
            f"hop limit exceeded: the message already entered {entered} node(s) "
            f"and the limit is {limit}"
        )


def _checked_local(local_organs: Mapping[str, str]) -> dict[str, str]:
    checked: dict[str, str] = {}
    for organ_id, client in local_organs.items():
        problem = organ_id_problem(organ_id)
        if problem is not None:
            raise ValueError(f"local organ: {problem}")
        if not client:
            raise ValueError(f"local organ {organ_id}: DMS client id is empty")
        checked[organ_id] = client
    return checked


def _checked_routes(routes: Sequence[tuple[OrganPattern | str, str]]) -> tuple[_Route, ...]:
    parsed: list[_Route] = []
    seen: dict[tuple[str, ...], _Route] = {}
    for order, (raw, peer) in enumerate(routes):
        pattern = raw if isinstance(raw, OrganPattern) else _parse_pattern(raw, order)
        if not peer:
            raise ValueError(f"route {pattern}: peer name is empty")
        route = _Route(pattern, peer, order)
        first = seen.get(pattern.groups)
        if first is not None:
            raise ValueError(
                f"duplicate route pattern {pattern} (routes {first.order + 1} and {order + 1},"
                f" to peers {first.peer!r} and {peer!r}); keep one"
            )
        seen[pattern.groups] = route
        parsed.append(route)
    _refuse_ambiguous(parsed)
    return tuple(sorted(parsed, key=lambda r: (_rank(r.pattern), r.order)))


def _parse_pattern(text: str, order: int) -> OrganPattern:
    try:
        return OrganPattern.parse(text)
    except ValueError as exc:
        raise ValueError(f"route {order + 1}: {exc}") from None


def _rank(pattern: OrganPattern) -> tuple[int, int]:
    literal, length = pattern.specificity
    return (-literal, -length)


def _refuse_ambiguous(routes: list[_Route]) -> None:
    for i, a in enumerate(routes):
        for b in routes[i + 1 :]:
            if a.peer == b.peer or a.pattern.specificity != b.pattern.specificity:
                continue
            overlap = _intersection(a.pattern, b.pattern)
            if overlap is None or _decided(overlap, a.pattern.specificity, routes):
                continue
            example = ".".join(overlap)
            raise ValueError(
                f"ambiguous routes: {a.pattern} (to {a.peer!r}) and {b.pattern} "
                f"(to {b.peer!r}) are equally specific and both match {example}; "
                f"add a more specific route such as {example}"
            )


def _intersection(a: OrganPattern, b: OrganPattern) -> tuple[str, ...] | None:
    """The groups both patterns match (as a pattern), or None if disjoint."""
    if not a.groups or not b.groups:
        return a.groups or b.groups
    if len(a.groups) != len(b.groups):
        return None
    groups: list[str] = []
    for x, y in zip(a.groups, b.groups, strict=True):
        if x != "*" and y != "*" and x != y:
            return None
        groups.append(y if x == "*" else x)
    return tuple(groups)


def _decided(overlap: tuple[str, ...], specificity: tuple[int, int], routes: list[_Route]) -> bool:
    """True if one strictly more specific route covers the whole overlap."""
    for route in routes:
        groups = route.pattern.groups
        if route.pattern.specificity <= specificity or len(groups) != len(overlap):
            continue
        if all(g == "*" or g == o for g, o in zip(groups, overlap, strict=True)):
            return True
    return False


def _no_route_detail(organ_ids: Sequence[str]) -> str:
    invalid = [p for p in map(organ_id_problem, organ_ids) if p is not None]
    unrouted = [o for o in organ_ids if organ_id_problem(o) is None]
    parts = [f"invalid recipient: {p}" for p in invalid]
    if unrouted:
        parts.append(
            f"no route to recipient(s) {', '.join(unrouted)}: not a local organ, no peer "
            "route matches and there is no default route"
        )
    return "; ".join(parts)
