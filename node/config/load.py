"""Load ``node.toml`` into a validated :class:`~node.config.model.Config`.

Three layers of checks, each error naming the key:
1. shape and values (unknown keys, types, formats) — :mod:`node.config.fields`;
2. consistency between tables (routes name known peers, organs served once…);
3. the outside world at start (files readable, secret variables set) —
   :func:`check_files` and :func:`check_environment`, called by the bootstrap.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from node.config.domain import DOMAIN_BUILDERS
from node.config.fields import load_table
from node.config.model import Config, Delivery, DmsEntry, SignerEntry, SignersFile
from node.errors import ConfigError
from node.modes import SigningMode


def load_config(path: Path | str, *, check_files: bool = True) -> Config:
    """Read, parse and validate ``path``. ``check_files`` also checks that every
    file the config names exists (the default: a node should not start otherwise)."""
    source = Path(path).expanduser().resolve()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    config = parse_config(text, source)
    if check_files:
        _check_files(config)
    return config


def load_signers(path: Path | str) -> tuple[SignerEntry, ...]:
    """A file of ``[[signers]]`` tables alone (``lienthong verify --signers``),
    checked as node.toml's are: unknown keys and bad values name the key."""
    source = Path(path).expanduser()
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source.name}: not valid TOML: {exc}") from None
    loaded: SignersFile = load_table(SignersFile, data, source.parent)
    return loaded.signers


def parse_config(text: str, source: Path) -> Config:
    """Parse TOML text as if it were the file ``source`` (paths resolve against its
    directory). No file-system checks."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source.name}: not valid TOML: {exc}") from None
    config: Config = load_table(Config, data, source.parent)
    config = _with_defaults(dataclasses.replace(config, source=source))
    problem = next(_consistency_problems(config), None)
    if problem:
        raise ConfigError(problem)
    for section, build in DOMAIN_BUILDERS:
        try:
            build(config)
        except ValueError as exc:
            raise ConfigError(f"{section}: {exc}") from None
    return config


def _with_defaults(config: Config) -> Config:
    node = config.node
    if not node.name:
        node = dataclasses.replace(node, name=node.organ_id)
    if not node.data_dir.is_absolute():
        node = dataclasses.replace(node, data_dir=config.base_dir / node.data_dir)
    storage = config.storage
    if not storage.url:
        storage = dataclasses.replace(storage, url=f"sqlite:///{node.data_dir / 'node.db'}")
    return dataclasses.replace(config, node=node, storage=storage)


# --------------------------------------------------------------------------- consistency


def _consistency_problems(config: Config) -> Iterator[str]:
    yield from _duplicates("organs", (o.id for o in config.organs), "id")
    yield from _duplicates("dms", (d.id for d in config.dms), "id")
    yield from _duplicates("peers", (p.name for p in config.peers), "name")
    yield from _duplicates("upstreams", (u.name for u in config.upstreams), "name")
    peer_names = {p.name for p in config.peers}
    for i, upstream in enumerate(config.upstreams):
        if upstream.name in peer_names:
            yield f"upstreams[{i}].name: {upstream.name!r} is already the name of a peer"
    yield from _duplicates("admins", (a.name for a in config.admins), "name")
    yield from _organ_problems(config)
    yield from _dms_problems(config)
    yield from _routing_problems(config)
    yield from _token_problems(config)
    yield from _unserved_organs(config)
    if config.retry.max_interval < config.retry.initial:
        yield "retry.max_interval: must be at least retry.initial"
    if config.listen.peer is not None and config.tls is None:
        yield "tls: required when listen.peer is set (the peer API uses mutual TLS)"
    if config.peers and config.tls is None:
        yield "tls: required when [[peers]] are configured (the node's client certificate)"
    if config.trust.dir is None and (
        config.peers or config.upstreams or any(o.signing is SigningMode.DMS for o in config.organs)
    ):
        yield (
            "trust.dir: required when signatures arrive from peers or from DMSs that sign "
            "(the CA certificates and CRLs to verify them against)"
        )


def _duplicates(table: str, values: Iterable[str], key: str) -> Iterator[str]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield f"{table}[{index}].{key}: {value!r} is already used by an earlier entry"
        seen.add(value)


def _unserved_organs(config: Config) -> Iterator[str]:
    served = {organ for dms in config.dms for organ in dms.organs}
    for i, organ in enumerate(config.organs):
        if organ.id not in served:
            yield f"organs[{i}].id: no [[dms]] entry serves {organ.id} (add it to one's organs)"


def _organ_problems(config: Config) -> Iterator[str]:
    for i, organ in enumerate(config.organs):
        where = f"organs[{i}]"
        if organ.signing is SigningMode.DMS:
            for name in ("key", "pkcs11"):
                if getattr(organ, name) is not None:
                    yield f'{where}.{name}: only used when signing = "node" (the DMS signs here)'
            continue
        if organ.cert is None:
            yield f'{where}.cert: required when signing = "node"'
        if organ.key is None and organ.pkcs11 is None:
            yield f'{where}.key: required when signing = "node" (or an [organs.pkcs11] table)'
        if organ.key is not None and organ.pkcs11 is not None:
            yield f"{where}.pkcs11: give a key file or a PKCS#11 key, not both"
        if organ.pkcs11 is not None and organ.key_password_env:
            yield f"{where}.key_password_env: not used with a PKCS#11 key (pin_env is)"


def _dms_problems(config: Config) -> Iterator[str]:
    local = {o.id for o in config.organs}
    served: dict[str, str] = {}
    for i, dms in enumerate(config.dms):
        if not dms.organs:
            yield f"dms[{i}].organs: must name at least one organ"
        for j, organ in enumerate(dms.organs):
            if organ not in local:
                yield f"dms[{i}].organs[{j}]: {organ} is not declared in [[organs]]"
            elif organ in served:
                yield f"dms[{i}].organs[{j}]: {organ} is already served by DMS {served[organ]!r}"
            served.setdefault(organ, dms.id)
        yield from _delivery_problems(i, dms)


def _delivery_problems(i: int, dms: DmsEntry) -> Iterator[str]:
    webhook = dms.delivery is Delivery.WEBHOOK
    folder = dms.delivery is Delivery.DROP_FOLDER
    required = {"webhook_url": webhook, "webhook_secret_env": webhook, "drop_folder": folder}
    allowed = {**required, "webhook_ca": webhook}
    mode = f'delivery = "{dms.delivery.value}"'
    for key, used in allowed.items():
        present = bool(getattr(dms, key))
        if required.get(key) and not present:
            yield f"dms[{i}].{key}: required when {mode}"
        if present and not used:
            yield f"dms[{i}].{key}: not used when {mode}; remove it"


def _routing_problems(config: Config) -> Iterator[str]:
    names = [p.name for p in config.peers] + [u.name for u in config.upstreams]
    known = ", ".join(names) or "none configured"
    for i, route in enumerate(config.routes):
        if route.peer not in names:
            yield f"routes[{i}].peer: unknown peer {route.peer!r} (peers: {known})"
    default = config.routing.default_peer
    if default and default not in names:
        yield f"routing.default_peer: unknown peer {default!r} (peers: {known})"


def _token_problems(config: Config) -> Iterator[str]:
    owners: dict[str, str] = {}
    entries = [(f"dms[{i}]", d.token_sha256) for i, d in enumerate(config.dms)]
    entries += [(f"admins[{i}]", a.token_sha256) for i, a in enumerate(config.admins)]
    for where, digest in entries:
        if digest in owners:
            yield f"{where}.token_sha256: the same token is already used by {owners[digest]}"
        owners.setdefault(digest, where)


# --------------------------------------------------------------------------- outside world


def referenced_files(config: Config) -> Iterator[tuple[str, Path, bool]]:
    """Every file or directory the config names: (key, path, is_dir)."""
    if config.tls is not None:
        yield "tls.cert", config.tls.cert, False
        yield "tls.key", config.tls.key, False
        yield "tls.ca", config.tls.ca, False
        if config.tls.crl is not None:
            yield "tls.crl", config.tls.crl, False
    if config.trust.dir is not None:
        yield "trust.dir", config.trust.dir, True
    for i, crl in enumerate(config.trust.crls):
        yield f"trust.crls[{i}]", crl, False
    for i, organ in enumerate(config.organs):
        if organ.key is not None:
            yield f"organs[{i}].key", organ.key, False
        if organ.cert is not None:
            yield f"organs[{i}].cert", organ.cert, False
        if organ.pkcs11 is not None:
            yield f"organs[{i}].pkcs11.module", organ.pkcs11.module, False
    for i, dms in enumerate(config.dms):
        if dms.webhook_ca is not None:
            yield f"dms[{i}].webhook_ca", dms.webhook_ca, False
        if dms.drop_folder is not None:
            yield f"dms[{i}].drop_folder", dms.drop_folder, True
    for i, peer in enumerate(config.peers):
        yield f"peers[{i}].certificate", peer.certificate, False
        if peer.next_certificate is not None:
            yield f"peers[{i}].next_certificate", peer.next_certificate, False


def _check_files(config: Config) -> None:
    for key, path, is_dir in referenced_files(config):
        if is_dir and not path.is_dir():
            raise ConfigError(f"{key}: directory not found: {path}")
        if not is_dir and not path.is_file():
            raise ConfigError(f"{key}: file not found: {path}")
        if not os.access(path, os.R_OK):
            raise ConfigError(f"{key}: not readable: {path}")


def secret_variables(config: Config) -> Iterator[tuple[str, str]]:
    """(key, environment variable name) of every secret the config refers to."""
    if config.tls is not None and config.tls.key_password_env:
        yield "tls.key_password_env", config.tls.key_password_env
    for i, organ in enumerate(config.organs):
        if organ.key_password_env:
            yield f"organs[{i}].key_password_env", organ.key_password_env
        if organ.pkcs11 is not None:
            yield f"organs[{i}].pkcs11.pin_env", organ.pkcs11.pin_env
    for i, dms in enumerate(config.dms):
        if dms.webhook_secret_env:
            yield f"dms[{i}].webhook_secret_env", dms.webhook_secret_env
        if dms.vdxp_secret_env:
            yield f"dms[{i}].vdxp_secret_env", dms.vdxp_secret_env
    for i, upstream in enumerate(config.upstreams):
        yield f"upstreams[{i}].secret_env", upstream.secret_env


def check_environment(config: Config, environ: Mapping[str, str]) -> None:
    """Every secret variable the config names must be set (and not empty)."""
    for key, name in secret_variables(config):
        if not environ.get(name):
            raise ConfigError(f"{key}: environment variable {name} is not set")
