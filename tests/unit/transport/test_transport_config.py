"""Transport configuration refuses what cannot work, naming it; secrets stay out of reprs."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.tls import TlsMaterial
from adapters.transport import (
    DropFolderEndpoint,
    NodeTransport,
    PeerEndpoint,
    Timeouts,
    WebhookEndpoint,
)
from node.errors import ConfigError
from tests.support.pki import NODE_B_ORGAN, TlsPki


def test_peer_needs_https_and_a_pin() -> None:
    with pytest.raises(ConfigError, match="must be an absolute https URL"):
        PeerEndpoint.create("B", "http://b:8443", organ_id=NODE_B_ORGAN)
    with pytest.raises(ConfigError, match="fingerprint or an organ id"):
        PeerEndpoint.create("B", "https://b:8443")


def test_peer_pin_from_a_certificate_file(unit_pki: TlsPki) -> None:
    peer = PeerEndpoint.create("B", "https://b:8443/", expected_cert_path=unit_pki.node_b.cert)
    assert peer.pin.cert_sha256 == unit_pki.node_b.sha256
    assert peer.messages_url == "https://b:8443/peer/v1/messages"
    with pytest.raises(ConfigError, match="not both"):
        PeerEndpoint.create(
            "B",
            "https://b",
            expected_cert_path=unit_pki.node_b.cert,
            expected_cert_sha256=unit_pki.node_b.sha256,
        )


def test_webhook_secret_is_long_and_never_in_repr() -> None:
    hook = WebhookEndpoint("dms", "https://dms.local/hook", "a-long-enough-secret")
    assert "a-long-enough-secret" not in repr(hook)
    with pytest.raises(ConfigError, match="at least 16"):
        WebhookEndpoint("dms", "https://dms.local/hook", "short")
    with pytest.raises(ConfigError, match="query or fragment"):
        WebhookEndpoint("dms", "https://dms.local/hook?x=1", "a-long-enough-secret")


def test_timeouts_scale_with_size() -> None:
    t = Timeouts(base=10, min_rate=1 << 20)
    assert t.total_for(0) == 10
    assert t.total_for(200 << 20) == 210
    with pytest.raises(ConfigError):
        Timeouts(connect=0)
    with pytest.raises(ConfigError):
        Timeouts(connect_attempts=0)


def test_peers_need_tls_material() -> None:
    peer = PeerEndpoint.create("B", "https://b", organ_id=NODE_B_ORGAN)
    with pytest.raises(ConfigError, match="no TLS material"):
        NodeTransport(tls=None, peers=[peer])


def test_duplicate_names_refused(unit_pki: TlsPki, tmp_path: Path) -> None:
    tls = TlsMaterial(unit_pki.node_a.cert, unit_pki.node_a.key, unit_pki.ca)
    peer = PeerEndpoint.create("B", "https://b", organ_id=NODE_B_ORGAN)
    with pytest.raises(ConfigError, match="two peers"):
        NodeTransport(tls=tls, peers=[peer, peer])
    folder = DropFolderEndpoint("d", tmp_path)
    with pytest.raises(ConfigError, match="drop-folder client"):
        NodeTransport(tls=None, drop_folders=(f for f in [folder, folder]))


def test_drop_folder_root_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a directory"):
        DropFolderEndpoint("d", tmp_path / "absent").ensure()
    DropFolderEndpoint("d", tmp_path).ensure()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "incoming",
        "outgoing",
        "processed",
        "processing",
        "rejected",
    ]


def test_peer_url_may_already_name_the_peer_api() -> None:
    peer = PeerEndpoint.create("B", "https://b:8443/peer/v1/messages", organ_id=NODE_B_ORGAN)
    assert peer.messages_url == "https://b:8443/peer/v1/messages"
