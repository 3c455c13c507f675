"""From routing to rows: deliveries and inbox entries."""

from __future__ import annotations

from dataclasses import dataclass

from node.engine.settings import EngineSettings
from node.errors import UnknownDestination
from node.ports.driven import Destination, DestinationKind
from node.routing import RoutingPlan
from node.store.records import NewDelivery, NewInboxEntry, new_id


@dataclass(frozen=True)
class Placement:
    """Where one message goes on this node: outbound deliveries and local inbox rows."""

    deliveries: tuple[NewDelivery, ...]
    inbox: tuple[NewInboxEntry, ...]
    local_organs: tuple[str, ...]


def place(plan: RoutingPlan, settings: EngineSettings) -> Placement:
    deliveries: list[NewDelivery] = []
    inbox: list[NewInboxEntry] = []
    local: list[str] = []
    for client_id, organs in plan.local.items():
        inbox.extend(NewInboxEntry(organ, client_id) for organ in organs)
        local.extend(organs)
        push = settings.push.get(client_id)
        if push is not None:
            deliveries.append(NewDelivery(new_id(), Destination(push, client_id), organs))
    for peer, organs in plan.peers.items():
        deliveries.append(NewDelivery(new_id(), Destination(DestinationKind.PEER, peer), organs))
    return Placement(tuple(deliveries), tuple(inbox), tuple(local))


def route_back(settings: EngineSettings, organ: str, *, via_peer: str | None) -> Placement:
    """Where a status for ``organ`` goes: by the routing table, else back to the
    peer the message came from (the way it came is a way home)."""
    try:
        return place(settings.routing.plan([organ]), settings)
    except UnknownDestination:
        if via_peer is None:
            raise
        return place(RoutingPlan(local={}, peers={via_peer: (organ,)}), settings)
