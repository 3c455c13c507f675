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


def test_attempts_to_an_upstream_are_counted_per_upstream() -> None:
    metrics = NodeMetrics(upstreams=["national"])
    upstream, peer = (Destination(DestinationKind.PEER, n) for n in ("national", "g22"))
    metrics.on_attempt(upstream, Outcome.TRANSIENT, 0.1)
    metrics.on_attempt(upstream, Outcome.DELIVERED, 0.1)
    metrics.on_attempt(peer, Outcome.TRANSIENT, 0.1)  # a peer is not an upstream
    text = metrics.render().decode()
    assert (
        'lienthong_upstream_send_attempts_total{outcome="transient",upstream="national"} 1.0'
        in text
    )
    assert (
        'lienthong_upstream_send_attempts_total{outcome="delivered",upstream="national"} 1.0'
        in text
    )
    assert 'lienthong_upstream_send_failures_total{upstream="national"} 1.0' in text
    assert 'upstream="g22"' not in text


def test_requests_are_counted_by_api_and_status_past_the_child_cache() -> None:
    metrics = NodeMetrics()
    for _ in range(3):
        metrics.on_request("dms", 202)
    metrics.on_request("peer", 400)
    for status in range(2000):  # more pairs than the cache keeps: each still counted
        metrics.on_request("ops", status)
    metrics.on_request("ops", 1999)
    text = metrics.render().decode()
    assert 'lienthong_http_requests_total{api="dms",status="202"} 3.0' in text
    assert 'lienthong_http_requests_total{api="peer",status="400"} 1.0' in text
    assert 'lienthong_http_requests_total{api="ops",status="1999"} 2.0' in text
