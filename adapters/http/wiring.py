"""From the validated config to what the HTTP adapters need: token maps,
peer certificates, the inventory shown by the admin API, the spool, TLS."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from adapters.http.auth import TokenAuth
from adapters.http.inventory import (
    CertificateInfo,
    NodeInventory,
    PeerInfo,
    RouteInfo,
    certificate_info,
    der_sha256,
    file_certificates,
    load_pem_certificates,
)
from adapters.http.metrics import NodeMetrics
from adapters.http.spool import Spool
from adapters.http.state import DirectorySource, HttpServices, PeerIdentity
from adapters.http.vdxp_auth import VdxpAuth, VdxpSystem
from adapters.tls import PeerPin, TlsMaterial, material_server_context
from node.config import Config, secret_from_env
from node.errors import ConfigError
from node.ports.api import (
    AdminApi,
    AdminPrincipal,
    DmsPrincipal,
    ExchangeApi,
    OpsProbe,
    PeerPrincipal,
)
from node.ports.driven import Clock


def http_services(
    config: Config,
    *,
    exchange: ExchangeApi,
    admin: AdminApi,
    probe: OpsProbe,
    metrics: NodeMetrics,
    clock: Clock,
    spool_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    trust_anchors: Iterable[tuple[Path, x509.Certificate]] = (),
) -> HttpServices:
    """``spool_dir``: where bodies are spooled (the store's choice, so that
    storing is a rename); default ``<data_dir>/spool``. ``environ`` holds the
    secrets the config names (VDXP HMAC secrets). ``trust_anchors``: the CA
    certificates of trust.dir with their files, listed in the inventory."""
    return HttpServices(
        exchange=exchange,
        admin=admin,
        probe=probe,
        dms_auth=TokenAuth(
            {d.token_sha256: DmsPrincipal(d.id, frozenset(d.organs)) for d in config.dms}
        ),
        admin_auth=TokenAuth(
            {a.token_sha256: AdminPrincipal(a.name, a.role) for a in config.admins}
        ),
        peers=peer_identities(config),
        inventory=inventory_from_config(config, trust_anchors),
        metrics=metrics,
        spool=Spool(spool_dir or config.spool_dir, config.limits.max_message_bytes),
        clock=clock,
        vdxp_auth=VdxpAuth(vdxp_systems(config, environ or {}), clock),
        node_organ=config.node.organ_id,
        hop_limit=config.node.hop_limit,
        directories=directory_sources(config),
    )


def directory_sources(config: Config) -> tuple[DirectorySource, ...]:
    from adapters.transport.vdxp_directory import directory_file

    return tuple(
        DirectorySource(u.name, u.directory_call, directory_file(config.node.data_dir, u.name))
        for u in config.upstreams
        if u.directory_sync
    )


def vdxp_systems(config: Config, environ: Mapping[str, str]) -> Iterator[VdxpSystem]:
    """A DMS with ``vdxp_secret_env`` is one VDXP system (``vdxp_system_id``)
    speaking for all its organs, or (older shape, no ``vdxp_system_id``) each
    of its organs is a system id speaking for itself. A system id used twice
    is refused: requests would be credited to whichever came last."""
    seen: dict[str, int] = {}
    for system in _vdxp_systems(config, environ):
        if system.system_id in seen:
            raise ConfigError(
                f"VDXP systemid {system.system_id!r} is used by two DMS entries "
                f"({system.principal.client_id} and an earlier one); give each its own"
            )
        seen[system.system_id] = 1
        yield system


def _vdxp_systems(config: Config, environ: Mapping[str, str]) -> Iterator[VdxpSystem]:
    for i, dms in enumerate(config.dms):
        if not dms.vdxp_secret_env:
            if dms.vdxp_system_id:
                raise ConfigError(
                    f"dms[{i}].vdxp_system_id needs dms[{i}].vdxp_secret_env (its HMAC secret)"
                )
            continue
        key = f"dms[{i}].vdxp_secret_env"
        secret = secret_from_env(key, dms.vdxp_secret_env, environ).reveal()
        if len(secret) < 16:
            raise ConfigError(f"{key}: the VDXP secret must be at least 16 characters")
        if dms.vdxp_system_id:
            principal = DmsPrincipal(dms.id, frozenset(dms.organs))
            yield VdxpSystem(dms.vdxp_system_id, principal, secret.encode())
            continue
        for organ in dms.organs:
            yield VdxpSystem(organ, DmsPrincipal(dms.id, frozenset({organ})), secret.encode())


def peer_identities(config: Config) -> tuple[PeerIdentity, ...]:
    """Each peer pinned to the SHA-256 of its expected certificate."""
    identities: list[PeerIdentity] = []
    for i, peer in enumerate(config.peers):
        key = f"peers[{i}].certificate"
        pin = PeerPin(
            cert_sha256=_leaf_sha256(peer.certificate, key),
            next_sha256=(
                _leaf_sha256(peer.next_certificate, f"peers[{i}].next_certificate")
                if peer.next_certificate is not None
                else None
            ),
        )
        for other in identities:
            if other.pin.overlaps(pin):
                raise ConfigError(f"{key}: the same certificate is already peer {other.name!r}'s")
        principal = PeerPrincipal(peer_id=peer.name, node_organ=peer.organ_id)
        identities.append(PeerIdentity(peer.name, pin, principal))
    return tuple(identities)


def _leaf_sha256(path: Path, key: str) -> str:
    leaf = load_pem_certificates(path, key)[0]
    return der_sha256(leaf.public_bytes(Encoding.DER))


def inventory_from_config(
    config: Config, trust_anchors: Iterable[tuple[Path, x509.Certificate]] = ()
) -> NodeInventory:
    peers = tuple(
        PeerInfo(
            p.name,
            p.url,
            p.organ_id,
            file_certificates(
                p.certificate, key=f"peers[{i}].certificate", role="peer", name=p.name
            )[0],
        )
        for i, p in enumerate(config.peers)
    )
    upcoming = (
        cert
        for i, p in enumerate(config.peers)
        if p.next_certificate is not None
        for cert in file_certificates(
            p.next_certificate,
            key=f"peers[{i}].next_certificate",
            role="peer",
            name=f"{p.name} (next)",
        )[:1]
    )
    certificates = (*_own_certificates(config), *(p.certificate for p in peers), *upcoming)
    return NodeInventory(
        organ_id=config.node.organ_id,
        name=config.node_name,
        routes=tuple(_routes(config)),
        peers=peers,
        certificates=(*certificates, *_trust_anchors(trust_anchors)),
    )


def _routes(config: Config) -> Iterator[RouteInfo]:
    for dms in config.dms:
        for organ in dms.organs:
            yield RouteInfo(organ, "dms", dms.id)
    for route in config.routes:
        yield RouteInfo(route.pattern, "peer", route.peer)
    if config.routing.default_peer:
        yield RouteInfo("*", "peer", config.routing.default_peer)


def _own_certificates(config: Config) -> Iterator[CertificateInfo]:
    if config.tls is not None:
        yield file_certificates(config.tls.cert, key="tls.cert", role="tls", name="node")[0]
        yield from file_certificates(config.tls.ca, key="tls.ca", role="tls-ca", name="peer-ca")
    for i, organ in enumerate(config.organs):
        if organ.cert is not None:
            yield file_certificates(
                organ.cert, key=f"organs[{i}].cert", role="organ", name=organ.id
            )[0]


def _trust_anchors(anchors: Iterable[tuple[Path, x509.Certificate]]) -> Iterator[CertificateInfo]:
    """The CA certificates of trust.dir, as the composition root found them
    (signing.trust.ca_certificates_in: telling a CA is the signing layer's)."""
    for path, cert in anchors:
        with contextlib.suppress(ValueError):
            yield certificate_info(cert, role="trust-anchor", name=path.stem, path=path)


def tls_material(config: Config, environ: Mapping[str, str]) -> TlsMaterial:
    """The node's TLS identity for node-to-node traffic (both directions)."""
    if config.tls is None:
        raise ConfigError("tls: required for the peer API and for peers")
    password = None
    if config.tls.key_password_env:
        password = secret_from_env(
            "tls.key_password_env", config.tls.key_password_env, environ
        ).reveal()
    return TlsMaterial(
        cert=config.tls.cert,
        key=config.tls.key,
        ca=config.tls.ca,
        crl=config.tls.crl,
        key_password=password,
    )


def peer_server_context(config: Config, environ: Mapping[str, str]) -> ssl.SSLContext:
    """The peer listener's context: TLS 1.2+, client certificate required."""
    try:
        return material_server_context(tls_material(config, environ))
    except ConfigError as exc:
        raise ConfigError(f"tls: {exc.detail}") from None
