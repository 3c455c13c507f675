"""The node's metrics take the engine's observer events."""

from __future__ import annotations

from adapters.http.metrics import NodeMetrics
from node.ports.driven import Destination, DestinationKind, Outcome


def test_observer_events_become_prometheus_series() -> None:
    metrics = NodeMetrics()
    peer = Destination(DestinationKind.PEER, "g22")
    metrics.on_accept("document", "dms", duplicate=False)
    metrics.on_accept("document", "dms", duplicate=True)
    metrics.on_refuse("peer", "signature-rejected")
    metrics.on_attempt(peer, Outcome.TRANSIENT, 0.2)
    metrics.on_dead_letter(peer, "max age")
    metrics.on_lease_lost("d1")
    text = metrics.render().decode()
    assert (
        'lienthong_messages_accepted_total{duplicate="yes",kind="document",source="dms"} 1.0'
        in text
    )
    assert 'lienthong_messages_refused_total{kind="signature-rejected",source="peer"} 1.0' in text
    assert (
        'lienthong_delivery_attempts_total{destination_kind="peer",outcome="transient"} 1.0' in text
    )
    assert 'lienthong_dead_letters_total{destination_kind="peer"} 1.0' in text
    assert "lienthong_lease_lost_total 1.0" in text


def test_two_nodes_in_one_process_keep_their_own_numbers() -> None:
    one, two = NodeMetrics(), NodeMetrics()
    one.on_lease_lost("d1")
    assert "lienthong_lease_lost_total 1.0" in one.render().decode()
    assert "lienthong_lease_lost_total 0.0" in two.render().decode()
