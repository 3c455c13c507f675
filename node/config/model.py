"""The shape of ``node.toml``: frozen dataclasses, one per table.

Every field documents itself (``doc(...)`` metadata): the loader's errors and
the README's configuration reference are generated from these definitions.
Relative paths are resolved against the directory of ``node.toml``. Secrets
never appear here in clear: tokens are stored as SHA-256 hashes, passwords and
webhook secrets as the *names* of environment variables.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from node.config.fields import (
    HostPort,
    at_least,
    directory_call,
    doc,
    env_name,
    fraction,
    http_url,
    https_url,
    name_token,
    organ_id,
    organ_pattern,
    positive,
    sha256_hex,
    storage_url,
)
from node.modes import AdminRole, PdfMode, RevocationMode, SigningMode


class Delivery(enum.StrEnum):
    PULL = "pull"
    WEBHOOK = "webhook"
    DROP_FOLDER = "drop-folder"


class LogLevel(enum.StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class LogFormat(enum.StrEnum):
    JSON = "json"
    TEXT = "text"


@dataclass(frozen=True)
class NodeSection:
    organ_id: str = field(metadata=doc("organ id of this node (domain §2)", check=organ_id))
    name: str = field(
        default="",
        metadata=doc("node name recorded in hops and logs; defaults to organ_id"),
    )
    data_dir: Path = field(
        default=Path("data"),
        metadata=doc("directory for the database, blobs and spool files"),
    )
    hop_limit: int = field(
        default=8, metadata=doc("refuse messages that passed more nodes", check=at_least(1))
    )


@dataclass(frozen=True)
class StorageSection:
    url: str = field(
        default="",
        metadata=doc(
            'sqlite:///path/node.db or postgresql://user@host/db; default: "node.db" in data_dir',
            check=storage_url,
        ),
    )


@dataclass(frozen=True)
class ListenSection:
    dms: HostPort = field(
        default=HostPort("127.0.0.1", 8080),
        metadata=doc("DMS API, admin API and ops endpoints (plain HTTP; put TLS in front)"),
    )
    peer: HostPort | None = field(
        default=None,
        metadata=doc("peer API over mutual TLS; unset: no peer listener (needs [tls])"),
    )


@dataclass(frozen=True)
class TlsSection:
    cert: Path = field(metadata=doc("the node's TLS certificate chain (PEM)"))
    key: Path = field(metadata=doc("the node's TLS private key (PEM)"))
    ca: Path = field(metadata=doc("CA certificates (PEM) that issue peer node certificates"))
    crl: Path | None = field(
        default=None,
        metadata=doc("CRL (PEM) of that CA; peers are checked against it (keep it fresh)"),
    )
    key_password_env: str = field(
        default="",
        metadata=doc(
            "environment variable holding the key's password, if encrypted", check=env_name
        ),
    )


@dataclass(frozen=True)
class TrustSection:
    dir: Path | None = field(
        default=None,
        metadata=doc("trust anchors (CA certificates) and CRLs for organisation signatures"),
    )
    crls: tuple[Path, ...] = field(default=(), metadata=doc("extra local CRL files"))
    revocation: RevocationMode = field(
        default=RevocationMode.SOFT_FAIL, metadata=doc("revocation checking policy")
    )
    allow_legacy: bool = field(
        default=False, metadata=doc("accept SHA-1 signatures (reported as weak)")
    )
    fetch: bool = field(
        default=False,
        metadata=doc("fetch CRLs and OCSP answers from the URLs in certificates"),
    )
    pdf: PdfMode = field(
        default=PdfMode.ENFORCE, metadata=doc("what PDF attachment signatures mean")
    )
    require_signed_pdf: bool = field(
        default=False, metadata=doc("refuse PDF attachments that carry no signature")
    )


@dataclass(frozen=True)
class Pkcs11Entry:
    module: Path = field(metadata=doc("the PKCS#11 module (.so) of the token"))
    token_label: str = field(metadata=doc("label of the token holding the key"))
    key_label: str = field(metadata=doc("label of the private key on the token"))
    pin_env: str = field(
        metadata=doc("environment variable holding the token's user PIN", check=env_name)
    )


@dataclass(frozen=True)
class OrganEntry:
    id: str = field(metadata=doc("a local organ served by this node", check=organ_id))
    signing: SigningMode = field(
        default=SigningMode.NODE, metadata=doc("who applies the organisation signature")
    )
    key: Path | None = field(
        default=None, metadata=doc('organisation signing key (PKCS#8 PEM); for signing = "node"')
    )
    cert: Path | None = field(
        default=None, metadata=doc('organisation certificate (PEM); for signing = "node"')
    )
    key_password_env: str = field(
        default="",
        metadata=doc(
            "environment variable holding the key's password, if encrypted", check=env_name
        ),
    )
    pkcs11: Pkcs11Entry | None = field(
        default=None,
        metadata=doc("[organs.pkcs11]: the signing key is on a PKCS#11 token, not in a file"),
    )


@dataclass(frozen=True)
class DmsEntry:
    id: str = field(metadata=doc("DMS client id (logs, admin API)", check=name_token))
    organs: tuple[str, ...] = field(
        metadata=doc("organs this DMS speaks for (From) and reads for (To)", check=organ_id)
    )
    token_sha256: str = field(
        metadata=doc("SHA-256 (hex) of the DMS's bearer token", check=sha256_hex, secret=True),
        repr=False,
    )
    delivery: Delivery = field(
        default=Delivery.PULL, metadata=doc("how incoming messages reach this DMS")
    )
    webhook_url: str = field(
        default="", metadata=doc('URL to POST messages to; delivery = "webhook"', check=http_url)
    )
    webhook_secret_env: str = field(
        default="",
        metadata=doc("environment variable holding the webhook HMAC secret", check=env_name),
    )
    webhook_ca: Path | None = field(
        default=None,
        metadata=doc("CA file (PEM) to verify an https webhook_url; default: system CAs"),
    )
    drop_folder: Path | None = field(
        default=None,
        metadata=doc(
            'delivery = "drop-folder": the node writes to <dir>/incoming and '
            "submits what the DMS puts in <dir>/outgoing"
        ),
    )
    drop_folder_poll: timedelta = field(
        default=timedelta(seconds=2),
        metadata=doc("how often <dir>/outgoing is scanned", check=positive),
    )
    vdxp_secret_env: str = field(
        default="",
        metadata=doc(
            "environment variable holding the HMAC secret of the VDXP-compatible API "
            "(/vdxp/..., for a DMS built on the national SDK); empty: not offered",
            check=env_name,
        ),
    )
    vdxp_system_id: str = field(
        default="",
        metadata=doc(
            "the VDXP systemid of this DMS (a connected system such as vxp.saas.03, "
            "speaking for all its organs); empty: each organ id is a systemid of its own",
            check=name_token,
        ),
    )
    exchange_node: bool = field(
        default=False,
        metadata=doc(
            "this DMS is another exchange node (a province polling this node over "
            "VDXP as its national axis): it answers 01 for its organs itself, so this "
            "node does not, and its statuses may arrive in any order"
        ),
    )


@dataclass(frozen=True)
class PeerEntry:
    name: str = field(metadata=doc("peer node name, used by routes", check=name_token))
    url: str = field(metadata=doc("base URL of the peer's peer API", check=https_url))
    organ_id: str = field(metadata=doc("organ id of the peer node", check=organ_id))
    certificate: Path = field(
        metadata=doc("the peer's expected TLS certificate (PEM); its certificate must match")
    )
    next_certificate: Path | None = field(
        default=None,
        metadata=doc(
            "during a certificate rotation: the peer's new TLS certificate (PEM); "
            "either one is accepted until you remove this key"
        ),
    )
    organs: tuple[str, ...] = field(
        default=(),
        metadata=doc(
            "organ-id patterns this peer may speak for: the From of what it delivers, "
            "and the organs its node's signature binds; empty: its organ_id and the "
            "patterns of the routes naming it (routing.default_peer grants nothing)",
            check=organ_pattern,
        ),
    )


@dataclass(frozen=True)
class UpstreamEntry:
    name: str = field(metadata=doc("upstream name, used by routes like a peer's", check=name_token))
    url: str = field(
        metadata=doc(
            "the national axis' VDXP endpoint (calls are <url>/sendEdoc …)", check=http_url
        )
    )
    organ_id: str = field(metadata=doc("organ id of the axis' node", check=organ_id))
    system_id: str = field(
        metadata=doc("the systemid the axis registered this node under (e.g. vxp.saas.03)")
    )
    secret_env: str = field(
        metadata=doc("environment variable holding the HMAC secret the axis issued", check=env_name)
    )
    poll_interval: timedelta = field(
        default=timedelta(seconds=5),
        metadata=doc("how often getReceivedEdocList is polled", check=positive),
    )
    max_poll_interval: timedelta = field(
        default=timedelta(minutes=5),
        metadata=doc("longest wait between polls while the axis is unreachable", check=positive),
    )
    receive: bool = field(
        default=True, metadata=doc("poll the axis for documents and statuses for this node")
    )
    directory_sync: bool = field(
        default=False,
        metadata=doc(
            "keep a copy of the axis' organ directory (<data_dir>/directory/<name>.json), "
            "shown by GET /admin/v1/directory"
        ),
    )
    directory_interval: timedelta = field(
        default=timedelta(hours=1),
        metadata=doc("how often the directory is fetched (sooner after a failure)", check=positive),
    )
    directory_call: str = field(
        default="getAgenciesList",
        metadata=doc(
            "the directory call: getAgenciesList, getAgenciesListQD20 (with code102) "
            "or getSynchronizeUnit (with centerCode, deleted)",
            check=directory_call,
        ),
    )
    organs: tuple[str, ...] = field(
        default=(),
        metadata=doc(
            "organ-id patterns the axis may speak for (as peers[].organs); empty: its "
            "organ_id and the patterns of the routes naming it; the national axis as "
            'the default route typically needs organs = ["*"]',
            check=organ_pattern,
        ),
    )


@dataclass(frozen=True)
class SignerEntry:
    organ: str = field(
        metadata=doc(
            "organ id in a signing certificate (its UID), e.g. a provincial axis", check=organ_id
        )
    )
    may_sign_for: tuple[str, ...] = field(
        metadata=doc(
            'organ-id patterns whose messages that organ\'s signature binds, e.g. ["*.*.*.H41"]',
            check=organ_pattern,
        )
    )


@dataclass(frozen=True)
class SignersFile:
    """A file of ``[[signers]]`` tables alone: ``lienthong verify --signers FILE``."""

    signers: tuple[SignerEntry, ...] = field(
        default=(), metadata=doc("who may sign for whom, besides each organ for itself")
    )


@dataclass(frozen=True)
class RouteEntry:
    pattern: str = field(metadata=doc('organ-id pattern, e.g. "*.*.*.H41"', check=organ_pattern))
    peer: str = field(metadata=doc("name of the peer (or upstream) that serves matching organs"))


@dataclass(frozen=True)
class RoutingSection:
    default_peer: str = field(
        default="", metadata=doc("peer for organs no route matches (the next axis up)")
    )


@dataclass(frozen=True)
class RetrySection:
    initial: timedelta = field(
        default=timedelta(seconds=10), metadata=doc("first retry delay", check=positive)
    )
    multiplier: float = field(
        default=2.0, metadata=doc("backoff factor between attempts", check=at_least(1))
    )
    max_interval: timedelta = field(
        default=timedelta(hours=1), metadata=doc("cap on the delay", check=positive)
    )
    max_age: timedelta = field(
        default=timedelta(days=3),
        metadata=doc("dead-letter a delivery older than this", check=positive),
    )
    jitter: float = field(
        default=0.2,
        metadata=doc("share of each delay taken off at random, 0 to below 1", check=fraction),
    )


@dataclass(frozen=True)
class WorkersSection:
    concurrency: int = field(
        default=16, metadata=doc("deliveries in flight at once", check=at_least(1))
    )
    claim_batch: int = field(
        default=16, metadata=doc("deliveries claimed per query", check=at_least(1))
    )
    poll_interval: timedelta = field(
        default=timedelta(seconds=1), metadata=doc("idle wait between claims", check=positive)
    )
    lease: timedelta = field(
        default=timedelta(minutes=5),
        metadata=doc("a claimed delivery returns to the queue after this", check=positive),
    )
    stop_grace: timedelta = field(
        default=timedelta(seconds=30),
        metadata=doc("on stop, how long in-flight deliveries may finish", check=positive),
    )


DEFAULT_SIGNATURE_MEMORY = 2 * 1024**3


@dataclass(frozen=True)
class LimitsSection:
    max_message_bytes: int = field(
        default=256 * 1024 * 1024,
        metadata=doc("largest accepted message; larger gets 413", check=at_least(1)),
    )
    request_timeout: timedelta = field(
        default=timedelta(seconds=60),
        metadata=doc("timeout of each call to a peer or webhook", check=positive),
    )
    signature_memory: int | None = field(
        default=None,
        metadata=doc(
            "bytes that signing and verifying at once may hold (each needs about 7 times the "
            "message size); unset: 8 × max_message_bytes, at least 2 GiB; a message that "
            "needs more gets 413",
            check=at_least(1),
        ),
    )
    offload_bytes: int = field(
        default=4 * 1024 * 1024,
        metadata=doc(
            "messages of at least this size are validated (or digested for signing) in a "
            "second process while the node signs or verifies them; 0: never (one process)",
            check=at_least(0),
        ),
    )

    @property
    def signature_memory_bytes(self) -> int:
        if self.signature_memory is not None:
            return self.signature_memory
        return max(8 * self.max_message_bytes, DEFAULT_SIGNATURE_MEMORY)


@dataclass(frozen=True)
class CalendarYear:
    year: int = field(metadata=doc("the calendar year these days belong to", check=at_least(2000)))
    holidays: tuple[date, ...] = field(
        default=(), metadata=doc("official holidays of that year (ngày nghỉ lễ, Tết)")
    )
    workdays: tuple[date, ...] = field(
        default=(),
        metadata=doc("make-up working days of that year (ngày làm bù, e.g. a Saturday)"),
    )


@dataclass(frozen=True)
class CalendarSection:
    holidays: tuple[date, ...] = field(
        default=(), metadata=doc("non-working days (Mon-Fri otherwise work)")
    )
    workdays: tuple[date, ...] = field(
        default=(), metadata=doc("weekend days that are working days (ngày làm bù)")
    )
    years: tuple[CalendarYear, ...] = field(
        default=(),
        metadata=doc(
            "per year: [[calendar.years]] year = 2026, holidays = [...], workdays = [...]"
        ),
    )


@dataclass(frozen=True)
class DeadlinesSection:
    arrived: timedelta = field(
        default=timedelta(minutes=1),
        metadata=doc("status 01 is due this long after arrival", check=positive),
    )
    accept_workdays: int = field(
        default=1,
        metadata=doc(
            "02/03 due by the end of this many working days after arrival", check=at_least(1)
        ),
    )
    roll_due_date: bool = field(
        default=True,
        metadata=doc("a DueDate on a day off moves to the next working day"),
    )


@dataclass(frozen=True)
class AdminEntry:
    name: str = field(metadata=doc("operator or auditor name (audit log)", check=name_token))
    role: AdminRole = field(metadata=doc("operator: read + resend; auditor: read-only"))
    token_sha256: str = field(
        metadata=doc("SHA-256 (hex) of the admin's bearer token", check=sha256_hex, secret=True),
        repr=False,
    )


class TsaPolicyName(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class AuditSection:
    checkpoint_interval: timedelta = field(
        default=timedelta(hours=1),
        metadata=doc(
            "how often the node signs the audit chain's head (also at start and on stop)",
            check=positive,
        ),
    )
    rfc3161: str = field(
        default="",
        metadata=doc(
            "URL of the RFC 3161 timestamp authority (TSA) that timestamps each "
            "checkpoint; empty: checkpoints are signed, not timestamped"
        ),
    )
    tsa_policy: TsaPolicyName = field(
        default=TsaPolicyName.OPEN,
        metadata=doc(
            "when the TSA fails: open (store the checkpoint untimestamped, carry on) or "
            "closed (refuse new messages with 503, /readyz not ready, until it answers)"
        ),
    )
    tsa_timeout: timedelta = field(
        default=timedelta(seconds=10),
        metadata=doc("timeout of one timestamp request", check=positive),
    )


@dataclass(frozen=True)
class LogSection:
    level: LogLevel = field(default=LogLevel.INFO, metadata=doc("log level"))
    format: LogFormat = field(
        default=LogFormat.JSON, metadata=doc("json (one object per line) or text")
    )


@dataclass(frozen=True)
class Config:
    """The whole of ``node.toml``, validated. Build it with :func:`node.config.load_config`."""

    node: NodeSection = field(metadata=doc("this node"))
    storage: StorageSection = field(default_factory=StorageSection, metadata=doc("database"))
    listen: ListenSection = field(default_factory=ListenSection, metadata=doc("listen addresses"))
    tls: TlsSection | None = field(
        default=None, metadata=doc("TLS identity for the peer API (server and client)")
    )
    trust: TrustSection = field(default_factory=TrustSection, metadata=doc("signature trust"))
    organs: tuple[OrganEntry, ...] = field(default=(), metadata=doc("local organs"))
    dms: tuple[DmsEntry, ...] = field(default=(), metadata=doc("local DMS clients"))
    peers: tuple[PeerEntry, ...] = field(default=(), metadata=doc("peer nodes"))
    upstreams: tuple[UpstreamEntry, ...] = field(
        default=(), metadata=doc("national axes reached over VDXP (routes name them as peers)")
    )
    routes: tuple[RouteEntry, ...] = field(default=(), metadata=doc("routes to peers"))
    signers: tuple[SignerEntry, ...] = field(
        default=(),
        metadata=doc("who may sign for whom, besides each organ for itself (the sender binding)"),
    )
    routing: RoutingSection = field(default_factory=RoutingSection, metadata=doc("routing"))
    retry: RetrySection = field(default_factory=RetrySection, metadata=doc("delivery retries"))
    workers: WorkersSection = field(default_factory=WorkersSection, metadata=doc("workers"))
    limits: LimitsSection = field(default_factory=LimitsSection, metadata=doc("limits"))
    calendar: CalendarSection = field(default_factory=CalendarSection, metadata=doc("calendar"))
    deadlines: DeadlinesSection = field(
        default_factory=DeadlinesSection, metadata=doc("feedback deadlines (domain §6)")
    )
    admins: tuple[AdminEntry, ...] = field(default=(), metadata=doc("admin API users"))
    log: LogSection = field(default_factory=LogSection, metadata=doc("logging"))
    audit: AuditSection = field(
        default_factory=AuditSection, metadata=doc("audit trail: signed checkpoints")
    )
    source: Path = field(
        default=Path("node.toml"),
        metadata=doc("the file this was loaded from", toml=False),
        compare=False,
    )
    """Not a TOML key: set by the loader."""

    @property
    def base_dir(self) -> Path:
        return self.source.parent

    @property
    def node_name(self) -> str:
        return self.node.name or self.node.organ_id

    @property
    def spool_dir(self) -> Path:
        return self.node.data_dir / "spool"

    def dms_for_organ(self, organ: str) -> DmsEntry | None:
        return next((d for d in self.dms if organ in d.organs), None)

    def peer(self, name: str) -> PeerEntry | None:
        return next((p for p in self.peers if p.name == name), None)
