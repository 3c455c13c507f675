"""Prometheus metrics of one node, in a registry of its own (no global state:
two nodes in one process, as in tests and the demo, do not mix numbers)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from adapters.http.inventory import CertificateInfo
from node.ports.api import QueueSnapshot
from node.ports.driven import Destination, DestinationKind

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class NodeMetrics:
    def __init__(self, upstreams: Iterable[str] = ()) -> None:
        """``upstreams``: the names of the node's VDXP upstreams (their series
        start at 0, so that an alert on ``increase()`` sees the first failure)."""
        self.registry = CollectorRegistry(auto_describe=True)
        self._upstreams = frozenset(upstreams)
        self.messages = Gauge(
            "lienthong_messages", "Stored messages by state", ["state"], registry=self.registry
        )
        self.attempts = Counter(
            "lienthong_delivery_attempts",
            "Delivery attempts by destination kind and outcome",
            ["destination_kind", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "lienthong_delivery_seconds",
            "Time of one delivery attempt",
            ["destination_kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "lienthong_queue_depth", "Deliveries waiting to be made", registry=self.registry
        )
        self.oldest_pending = Gauge(
            "lienthong_oldest_pending_seconds",
            "Age of the oldest waiting delivery (0 when none)",
            registry=self.registry,
        )
        self.certificate_days = Gauge(
            "lienthong_certificate_expiry_days",
            "Days until each configured certificate expires",
            ["role", "name", "sha256"],
            registry=self.registry,
        )
        self.accepted = Counter(
            "lienthong_messages_accepted",
            "Messages stored (or answered as duplicates) by kind and source",
            ["kind", "source", "duplicate"],
            registry=self.registry,
        )
        self.refused = Counter(
            "lienthong_messages_refused",
            "Submissions and transfers refused, by source and error kind",
            ["source", "kind"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "lienthong_dead_letters",
            "Deliveries dead-lettered, by destination kind",
            ["destination_kind"],
            registry=self.registry,
        )
        self.lease_lost = Counter(
            "lienthong_lease_lost",
            "Deliveries finished after another worker had taken their lease over",
            registry=self.registry,
        )
        self.checkpoints = Counter(
            "lienthong_audit_checkpoints",
            "Signed audit checkpoints stored, by whether they carry an RFC 3161 timestamp",
            ["timestamped"],
            registry=self.registry,
        )
        self.tsa_up = Gauge(
            "lienthong_audit_tsa_up",
            "1 when the last timestamp request to the TSA succeeded, 0 when it failed",
            registry=self.registry,
        )
        self.tsa_failures = Counter(
            "lienthong_audit_tsa_failures",
            "Timestamp requests to the TSA that failed",
            registry=self.registry,
        )
        self.requests = Counter(
            "lienthong_http_requests",
            "HTTP requests answered, by API and status",
            ["api", "status"],
            registry=self.registry,
        )
        self._request_children: dict[tuple[str, int], Any] = {}
        """``requests``' child per (api, status), as ``labels()`` answers it."""

        self.upstream_polls = Counter(
            "lienthong_upstream_polls",
            "Poll rounds (getReceivedEdocList for documents and statuses) by upstream and result",
            ["upstream", "result"],
            registry=self.registry,
        )
        self.upstream_messages = Counter(
            "lienthong_upstream_messages",
            "Messages from an upstream: fetched (getEdoc), acked (updateStatus done), "
            "refused (updateStatus fail)",
            ["upstream", "outcome"],
            registry=self.registry,
        )
        self.upstream_last_poll = Gauge(
            "lienthong_upstream_last_successful_poll_timestamp_seconds",
            "When the last poll round of an upstream succeeded (Unix time; 0: never)",
            ["upstream"],
            registry=self.registry,
        )
        self.upstream_sends = Counter(
            "lienthong_upstream_send_attempts",
            "sendEdoc attempts (deliveries to an upstream) by upstream and outcome",
            ["upstream", "outcome"],
            registry=self.registry,
        )
        self.upstream_send_failures = Counter(
            "lienthong_upstream_send_failures",
            "sendEdoc attempts that did not deliver (transient or permanent), by upstream",
            ["upstream"],
            registry=self.registry,
        )
        for name in self._upstreams:
            for result in ("success", "failure"):
                self.upstream_polls.labels(name, result)
            for outcome in ("fetched", "acked", "refused"):
                self.upstream_messages.labels(name, outcome)
            self.upstream_last_poll.labels(name)
            self.upstream_send_failures.labels(name)

    def on_request(self, api: str, status: int) -> None:
        """One answered HTTP request. ``labels()`` takes a lock and builds its
        key on every call: the child is looked up once per (api, status)."""
        child = self._request_children.get((api, status))
        if child is None:
            child = self.requests.labels(api, str(status))
            if len(self._request_children) < 1024:
                self._request_children[(api, status)] = child
        child.inc()

    def observe_attempt(self, kind: str, outcome: str, seconds: float) -> None:
        self.attempts.labels(kind, outcome).inc()
        self.latency.labels(kind).observe(seconds)

    # The engine's observer (node.engine.EngineObserver), structurally.

    def on_accept(self, kind: object, source: object, *, duplicate: bool) -> None:
        self.accepted.labels(str(kind), str(source), "yes" if duplicate else "no").inc()

    def on_refuse(self, source: object, error_kind: str) -> None:
        self.refused.labels(str(source), error_kind).inc()

    def on_attempt(self, destination: Destination, outcome: object, seconds: float) -> None:
        self.observe_attempt(destination.kind.value, str(outcome), seconds)
        if destination.kind is DestinationKind.PEER and destination.name in self._upstreams:
            self.upstream_sends.labels(destination.name, str(outcome)).inc()
            if str(outcome) not in ("delivered", "duplicate"):
                self.upstream_send_failures.labels(destination.name).inc()

    # The upstream poller's observer (adapters.transport.vdxp_poller.PollObserver).

    def on_poll(self, upstream: str, *, ok: bool, at: datetime) -> None:
        self.upstream_polls.labels(upstream, "success" if ok else "failure").inc()
        if ok:
            self.upstream_last_poll.labels(upstream).set(at.timestamp())

    def on_upstream_message(self, upstream: str, outcome: str) -> None:
        self.upstream_messages.labels(upstream, outcome).inc()

    def on_dead_letter(self, destination: Destination, reason: str) -> None:
        del reason
        self.dead_letters.labels(destination.kind.value).inc()

    # The checkpointer's observer (node.engine.checkpoints.AuditObserver), structurally.

    def on_checkpoint(self, *, timestamped: bool) -> None:
        self.checkpoints.labels("true" if timestamped else "false").inc()

    def on_tsa(self, *, up: bool) -> None:
        self.tsa_up.set(1 if up else 0)
        if not up:
            self.tsa_failures.inc()

    def on_lease_lost(self, delivery_id: str) -> None:
        del delivery_id
        self.lease_lost.inc()

    def update(
        self, snapshot: QueueSnapshot, certificates: Iterable[CertificateInfo], now: datetime
    ) -> None:
        self.messages.clear()
        for state, count in snapshot.messages_by_state.items():
            self.messages.labels(state).set(count)
        self.queue_depth.set(snapshot.queue_depth)
        self.oldest_pending.set(snapshot.oldest_pending_age or 0.0)
        self.certificate_days.clear()
        for cert in certificates:
            self.certificate_days.labels(cert.role, cert.name, cert.sha256).set(
                round(cert.days_left(now), 3)
            )

    def render(self) -> bytes:
        return generate_latest(self.registry)
