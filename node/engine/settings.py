"""Engine settings: built by the composition root from the node's config (the
engine never reads TOML)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from node.deadlines import DeadlinePolicy
from node.modes import SigningMode
from node.organ import OrganPattern
from node.ports.api import PeerPrincipal
from node.ports.driven import DestinationKind
from node.retry import RetryPolicy
from node.routing import RoutingTable
from node.work_calendar import WorkCalendar


@dataclass(frozen=True)
class EngineSettings:
    node_organ: str
    """This node's own organ id: hops, failure notices, fallback signer."""
    routing: RoutingTable
    peer_organs: Mapping[str, tuple[OrganPattern, ...]] = field(default_factory=dict)
    """Peer name → the organ-id patterns it may speak for (``peers[].organs``);
    a peer not listed speaks for its own organ and the routes naming it."""
    hop_limit: int = 8
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    signing: Mapping[str, SigningMode] = field(default_factory=dict)
    """Per local organ; organs not listed use ``default_signing``."""
    default_signing: SigningMode = SigningMode.DMS
    push: Mapping[str, DestinationKind] = field(default_factory=dict)
    """Local DMS client id → WEBHOOK or DROP_FOLDER; clients not listed pull their inbox."""
    exchange_nodes: frozenset[str] = frozenset()
    """Local DMS client ids that are exchange nodes themselves (a province
    polling this node over VDXP as its national axis): they answer 01 for their
    organs, and relay statuses their own node already checked, so this node
    emits no 01 for those organs and takes their statuses in any order."""
    concurrency: int = 8
    """Deliveries in flight at once, per process."""
    claim_batch: int = 16
    lease: timedelta = timedelta(minutes=5)
    """How long a claimed delivery stays hidden from other workers; renewed while sending."""
    poll_interval: timedelta = timedelta(seconds=1)
    """How often idle workers look for due deliveries (accepts wake them at once)."""
    stop_grace: timedelta = timedelta(seconds=30)
    """On stop, how long in-flight deliveries may take before they are cancelled."""
    signature_memory: int = 2 * 1024**3
    """Bytes that concurrent signing and verifying may hold (node/engine/budget.py)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "signing", MappingProxyType(dict(self.signing)))
        object.__setattr__(self, "push", MappingProxyType(dict(self.push)))
        object.__setattr__(self, "peer_organs", MappingProxyType(dict(self.peer_organs)))
        problems = []
        if self.routing.node_organ != self.node_organ:
            problems.append(
                f"routing table is for node {self.routing.node_organ}, not {self.node_organ}"
            )
        if self.hop_limit < 1:
            problems.append(f"hop_limit must be at least 1, got {self.hop_limit}")
        if self.signature_memory < 1:
            problems.append(f"signature_memory must be positive, got {self.signature_memory}")
        if self.concurrency < 1 or self.claim_batch < 1:
            problems.append("concurrency and claim_batch must be at least 1")
        if self.lease < timedelta(seconds=1) or self.poll_interval <= timedelta(0):
            problems.append("lease must be at least 1 s and poll_interval positive")
        bad_push = [c for c, k in self.push.items() if k is DestinationKind.PEER]
        if bad_push:
            problems.append(
                f"push mode of local clients must be webhook or drop-folder: {bad_push}"
            )
        if problems:
            raise ValueError("; ".join(problems))

    def speaks_for(self, peer: PeerPrincipal) -> tuple[OrganPattern, ...]:
        """The organ-id patterns ``peer`` may deliver messages From (issue 14, hole 7)."""
        listed = self.peer_organs.get(peer.peer_id)
        if listed is not None:
            return listed
        return (OrganPattern.parse(peer.node_organ), *self.routing.routed_to(peer.peer_id))

    def signing_mode(self, organ: str) -> SigningMode:
        return self.signing.get(organ, self.default_signing)

    @property
    def node_signs_any(self) -> bool:
        """Whether the node signs for any organ (else it only verifies)."""
        return SigningMode.NODE in (self.default_signing, *self.signing.values())
