"""Configuration of the transport: frozen dataclasses the composition root builds
from ``node.toml`` (this package never reads the file itself)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from adapters.tls import PeerPin, file_fingerprint
from node.errors import ConfigError

PEER_MESSAGES_PATH = "/peer/v1/messages"


@dataclass(frozen=True)
class Timeouts:
    """Time limits of every HTTP call; the total limit grows with the body size."""

    connect: float = 10.0
    """TCP connect + TLS handshake (and waiting for a pooled connection)."""
    read: float = 60.0
    """Longest silence while waiting for the answer."""
    base: float = 30.0
    min_rate: int = 256 * 1024
    """Bytes per second the slowest acceptable link moves: total = base + size / min_rate."""
    connect_attempts: int = 2
    """In-call tries when the connection cannot be set up or is reset at once."""
    retry_wait: float = 0.2

    def __post_init__(self) -> None:
        if min(self.connect, self.read, self.base) <= 0 or self.min_rate <= 0:
            raise ConfigError("transport timeouts and min_rate must be positive")
        if not 1 <= self.connect_attempts <= 5 or self.retry_wait < 0:
            raise ConfigError("transport connect_attempts must be 1..5, retry_wait >= 0")

    def total_for(self, size: int) -> float:
        return self.base + size / self.min_rate


def _check_url(url: str, what: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        raise ConfigError(f"{what} URL {url!r} must be an absolute {'/'.join(schemes)} URL")
    if parts.query or parts.fragment:
        raise ConfigError(f"{what} URL {url!r} must not carry a query or fragment")
    return url


@dataclass(frozen=True)
class PeerEndpoint:
    """Another node: where to reach it and what its certificate must be."""

    name: str
    url: str
    """Base URL of the peer's node (``https://host:port``); the peer API path is
    added unless the URL already ends with it."""
    pin: PeerPin

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigError("a peer needs a name")
        _check_url(self.url, f"peer {self.name}", ("https",))

    @classmethod
    def create(
        cls,
        name: str,
        url: str,
        *,
        expected_cert_sha256: str | None = None,
        expected_cert_path: Path | None = None,
        organ_id: str | None = None,
        next_cert_path: Path | None = None,
    ) -> PeerEndpoint:
        """Build from config values: a fingerprint, or a certificate file to pin,
        and/or the organ id the peer's certificate subject must carry; during a
        certificate rotation, the file of the peer's next certificate too."""
        if expected_cert_sha256 and expected_cert_path:
            raise ConfigError(f"peer {name}: give expected_cert_sha256 or expected_cert, not both")
        sha = expected_cert_sha256
        if expected_cert_path is not None:
            sha = file_fingerprint(expected_cert_path)
        following = file_fingerprint(next_cert_path) if next_cert_path is not None else None
        return cls(name, url, PeerPin(cert_sha256=sha, organ_id=organ_id, next_sha256=following))

    @property
    def messages_url(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith(PEER_MESSAGES_PATH) else base + PEER_MESSAGES_PATH


@dataclass(frozen=True)
class WebhookEndpoint:
    """A local DMS that takes deliveries by HTTP POST, signed with ``secret``."""

    client_id: str
    url: str
    secret: str = field(repr=False)
    ca: Path | None = None
    """CA file to verify an https webhook with (default: the system store)."""

    def __post_init__(self) -> None:
        _check_url(self.url, f"webhook of {self.client_id}", ("http", "https"))
        if len(self.secret) < 16:
            raise ConfigError(f"webhook secret of {self.client_id} must be at least 16 characters")


@dataclass(frozen=True)
class DropFolderEndpoint:
    """A local DMS that exchanges files through a folder tree under ``path``:
    ``incoming/`` (the node writes), ``outgoing/`` (the DMS writes), and the
    node's ``processing/``, ``processed/``, ``rejected/``."""

    client_id: str
    path: Path

    @property
    def incoming(self) -> Path:
        return self.path / "incoming"

    @property
    def outgoing(self) -> Path:
        return self.path / "outgoing"

    @property
    def processing(self) -> Path:
        return self.path / "processing"

    @property
    def processed(self) -> Path:
        return self.path / "processed"

    @property
    def rejected(self) -> Path:
        return self.path / "rejected"

    def ensure(self) -> None:
        """Create the sub-folders; the root itself must exist (an unmounted
        share must not silently become a local folder)."""
        if not self.path.is_dir():
            raise ConfigError(f"drop folder of {self.client_id}: {self.path} is not a directory")
        for sub in (self.incoming, self.outgoing, self.processing, self.processed, self.rejected):
            try:
                sub.mkdir(exist_ok=True)
            except OSError as exc:
                raise ConfigError(
                    f"drop folder of {self.client_id}: {sub}: {exc.strerror}"
                ) from None
