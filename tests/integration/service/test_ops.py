"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

from tests.integration.service.conftest import Harness


async def test_healthz(node: Harness) -> None:
    async with node.http.get(f"{node.url}/healthz") as resp:
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}


async def test_readyz_reports_each_check(node: Harness) -> None:
    async with node.http.get(f"{node.url}/readyz") as resp:
        assert resp.status == 200
        assert await resp.json() == {
            "status": "ready",
            "checks": {"store": "ok", "keys": "ok", "spool": "ok"},
        }
    assert node.core.probe is not None
    node.core.probe.store_problem = "database unreachable"
    async with node.http.get(f"{node.url}/readyz") as resp:
        assert resp.status == 503
        body = await resp.json()
    assert body["checks"]["store"] == "database unreachable"


async def test_metrics_expose_queue_attempts_and_certificates(node: Harness) -> None:
    from node.ports.driven import Destination, DestinationKind, Outcome

    assert node.core.deps is not None
    # The core reports each delivery attempt to the observer the composition
    # root gave it: the node's metrics.
    node.core.deps.observer.on_attempt(
        Destination(DestinationKind.PEER, "g22"), Outcome.DELIVERED, 0.05
    )
    async with node.http.get(f"{node.url}/healthz"):
        pass
    async with node.http.get(f"{node.url}/metrics") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        text = await resp.text()
    assert 'lienthong_messages{state="accepted"} 0.0' in text
    assert "lienthong_queue_depth 2.0" in text
    assert "lienthong_oldest_pending_seconds 12.5" in text
    assert (
        'lienthong_delivery_attempts_total{destination_kind="peer",outcome="delivered"} 1.0' in text
    )
    assert 'lienthong_delivery_seconds_count{destination_kind="peer"} 1.0' in text
    assert 'lienthong_certificate_expiry_days{name="lienthong-test-CA",role="trust-anchor"' in text
    assert 'lienthong_http_requests_total{api="ops",status="200"}' in text


async def test_readyz_fails_when_the_spool_directory_cannot_be_written(node: Harness) -> None:
    # Every upload goes through the spool: a node that cannot write it is not
    # ready even though its store answers.
    node.spool.mkdir(parents=True, exist_ok=True)
    node.spool.rmdir()
    node.spool.write_text("not a directory")
    try:
        async with node.http.get(f"{node.url}/readyz") as resp:
            assert resp.status == 503
            body = await resp.json()
        assert body["checks"]["store"] == "ok"
        assert "not writable" in body["checks"]["spool"]
    finally:
        node.spool.unlink()
        node.spool.mkdir()
