"""From routing to rows: deliveries, inbox entries and idempotency keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from node.engine.settings import EngineSettings
from node.errors import UnknownDestination
from node.ports.driven import Destination, DestinationKind
from node.routing import RoutingPlan
from node.store.records import NewDelivery, NewInboxEntry, new_id
from node.store.rows import iso


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


# --------------------------------------------------------------------------- idempotency keys


def document_keys(document_id: str, sender: str, recipients: Iterable[str]) -> tuple[str, ...]:
    return tuple(f"doc|{document_id}|{sender}|{r}" for r in recipients)


def status_key(document_id: str, reporter: str, code: str, at: datetime) -> str:
    return f"status|{document_id}|{reporter}|{code}|{iso(at)}"


def client_keys(client_id: str, key: str, sha256: str) -> tuple[str, str]:
    """(same key and same body, same key): the first hit means duplicate, the
    second alone means the key was reused for different bytes."""
    return (f"idem|{client_id}|{key}|{sha256}", f"idem|{client_id}|{key}")


def transfer_key(message_id: str, recipients: Sequence[str]) -> str:
    return f"transfer|{message_id}|{','.join(sorted(recipients))}"
