"""The routing table described by a config (local organs → DMS clients, routes
and the default route → peers)."""

from __future__ import annotations

from node.config.model import Config
from node.routing import RoutingTable


def routing_table(config: Config) -> RoutingTable:
    """ValueError when the routes are ambiguous (the loader reports it as
    a ConfigError naming ``routes``)."""
    return RoutingTable(
        local_organs={organ: dms.id for dms in config.dms for organ in dms.organs},
        routes=[(route.pattern, route.peer) for route in config.routes],
        default_peer=config.routing.default_peer or None,
        node_organ=config.node.organ_id,
    )
