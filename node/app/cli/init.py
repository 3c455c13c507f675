"""`lienthong init`: write node.toml and keys for a new node.

``lienthong init DIR --organ ID [--organ ID ...]`` writes ``DIR/node.toml``
(commented, ready to ``serve`` on loopback with free ports) for a node whose
organ id is the first ``--organ``; every ``--organ`` is a local organ whose
messages the node signs, with one DMS client each. Keys and certificates come
from ``--pki DIR`` (the layout ``lienthong pki init`` writes) or, by default, a
fresh TEST PKI in ``DIR/pki``. Each DMS token and an operator token are
printed once; node.toml keeps only their SHA-256.

In-process (the demo, tests): :func:`init_node`.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from node.config import load_config, new_token, token_sha256
from node.errors import ConfigError
from node.organ import organ_id_problem

NAME = "init"
HELP = "write node.toml and keys for a new node"


@dataclass(frozen=True)
class PeerSpec:
    """``NAME=URL,ORGAN_ID,CERT``: a peer node and its expected TLS certificate."""

    name: str
    url: str
    organ_id: str
    certificate: Path

    @classmethod
    def parse(cls, text: str) -> PeerSpec:
        name, _, rest = text.partition("=")
        parts = rest.split(",")
        if not name or len(parts) != 3 or not all(parts):
            raise ValueError(f"--peer {text!r}: expected NAME=URL,ORGAN_ID,CERT_FILE")
        return cls(name, parts[0], parts[1], Path(parts[2]).expanduser().resolve())


@dataclass(frozen=True)
class InitResult:
    config_path: Path
    dms_tokens: dict[str, str] = field(repr=False)
    """DMS client id → bearer token (shown once; node.toml has the hash)."""
    admin_token: str = field(repr=False)
    dms_listen: str = ""
    peer_listen: str = ""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, metavar="DIR")
    parser.add_argument(
        "--organ",
        action="append",
        required=True,
        metavar="ID",
        help="organ id; the first is the node's own (repeat for more local organs)",
    )
    parser.add_argument("--pki", type=Path, metavar="DIR", help="existing PKI directory")
    parser.add_argument(
        "--peer", action="append", default=[], metavar="NAME=URL,ORGAN_ID,CERT", help="a peer node"
    )
    parser.add_argument("--default-peer", metavar="NAME", help="route everything else there")
    parser.add_argument(
        "--listen-dms",
        metavar="HOST:PORT",
        help="DMS/admin listener (default: a free loopback port)",
    )
    parser.add_argument(
        "--listen-peer", metavar="HOST:PORT", help="peer listener (default: a free loopback port)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing node.toml")
    parser.add_argument("--json", action="store_true", help="print paths and tokens as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        peers = [PeerSpec.parse(text) for text in args.peer]
        result = init_node(
            args.directory,
            args.organ,
            pki=args.pki,
            peers=peers,
            default_peer=args.default_peer,
            force=args.force,
            dms_listen=args.listen_dms,
            peer_listen=args.listen_peer,
        )
    except (ConfigError, ValueError) as exc:
        print(f"lienthong init: {getattr(exc, 'detail', exc)}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {
                    "config": str(result.config_path),
                    "dms_tokens": result.dms_tokens,
                    "admin_token": result.admin_token,
                    "listen": {"dms": result.dms_listen, "peer": result.peer_listen},
                }
            )
        )
        return 0
    print(f"wrote {result.config_path}")
    print("tokens (shown once; node.toml keeps only their SHA-256):")
    for client, token in result.dms_tokens.items():
        print(f"  DMS {client}: {token}")
    print(f"  admin (operator): {result.admin_token}")
    print(f"run: lienthong serve --config {result.config_path}")
    return 0


def init_node(
    directory: Path,
    organs: Sequence[str],
    *,
    pki: Path | None = None,
    peers: Sequence[PeerSpec] = (),
    default_peer: str | None = None,
    force: bool = False,
    dms_listen: str | None = None,
    peer_listen: str | None = None,
) -> InitResult:
    """Write ``directory/node.toml`` (and a test PKI unless ``pki`` is given);
    the result holds the tokens. The written config is loaded back as a check.

    Making a test PKI signs sample PDFs with pyHanko, which runs an event loop
    of its own: from async code, call this in a thread (``asyncio.to_thread``)."""
    for organ in organs:
        if problem := organ_id_problem(organ):
            raise ConfigError(f"--organ: {problem}")
    if len(set(organs)) != len(organs):
        raise ConfigError("--organ: the same organ is given twice")
    directory = directory.expanduser().resolve()
    path = directory / "node.toml"
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; use --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    pki_dir = pki.expanduser().resolve() if pki else _make_test_pki(directory / "pki", organs)
    _check_pki(pki_dir, organs)
    dms_tokens = {f"dms-{organ}": new_token() for organ in organs}
    admin_token = new_token()
    listen = (dms_listen or f"127.0.0.1:{free_port()}", peer_listen or f"127.0.0.1:{free_port()}")
    text = render(directory, organs, pki_dir, dms_tokens, admin_token, listen, peers, default_peer)
    path.write_text(text, encoding="utf-8")
    load_config(path)  # what we wrote must be what serve accepts
    return InitResult(path, dms_tokens, admin_token, *listen)


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _make_test_pki(target: Path, organs: Sequence[str]) -> Path:
    from signing.pki import make_test_pki

    make_test_pki(target, list(organs))
    return target


def _check_pki(pki: Path, organs: Sequence[str]) -> None:
    needed = ["ca.pem", f"{organs[0]}.tls.pem", f"{organs[0]}.tls.key"]
    needed += [f"{organ}.{ext}" for organ in organs for ext in ("pem", "key")]
    missing = [name for name in needed if not (pki / name).is_file()]
    if missing:
        raise ConfigError(f"--pki {pki}: missing {', '.join(missing)}")


def _rel(path: Path, base: Path) -> str:
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def render(
    directory: Path,
    organs: Sequence[str],
    pki: Path,
    dms_tokens: dict[str, str],
    admin_token: str,
    listen: tuple[str, str],
    peers: Sequence[PeerSpec],
    default_peer: str | None,
) -> str:
    """The commented node.toml text."""
    node, p = organs[0], _rel(pki, directory)
    parts = [
        f"""# lienthong node configuration, written by `lienthong init`.
# Every key is documented in README.md ("Configuration reference").
# Relative paths are relative to this file's directory.

[node]
organ_id = "{node}"          # this node's organ id (domain §2)
data_dir = "data"                   # database, blobs, spool

[storage]
# url = "postgresql://lienthong@127.0.0.1/lienthong"   # default: SQLite in data_dir

[listen]
dms = "{listen[0]}"           # DMS API, admin API, /healthz, /readyz, /metrics
peer = "{listen[1]}"          # peer API, mutual TLS

[tls]                               # this node's identity towards other nodes
cert = "{p}/{node}.tls.pem"
key = "{p}/{node}.tls.key"
ca = "{p}/ca.pem"                   # CA that issues peer node certificates
# crl = "{p}/ca.crl"                # check peers against it (keep it fresh)

[trust]                             # organisation signatures are verified against
dir = "{p}"                         # the CA certificates (and CRLs) in this directory
revocation = "soft-fail"            # "hard-fail" | "soft-fail" | "off"
allow_legacy = false                # accept SHA-1 signatures (reported as weak)
"""
    ]
    for organ, (client, token) in zip(organs, dms_tokens.items(), strict=True):
        parts.append(f"""
[[organs]]                          # a local organ; the node signs for it
id = "{organ}"
signing = "node"                    # or "dms" when its DMS signs (then drop key/cert)
key = "{p}/{organ}.key"
cert = "{p}/{organ}.pem"

[[dms]]                             # the DMS of {organ}
id = "{client}"
organs = ["{organ}"]
token_sha256 = "{token_sha256(token)}"
delivery = "pull"                   # or "webhook" (webhook_url, webhook_secret_env)
                                    # or "drop-folder" (drop_folder)
""")
    for peer in peers:
        parts.append(f"""
[[peers]]
name = "{peer.name}"
url = "{peer.url}"
organ_id = "{peer.organ_id}"
certificate = "{_rel(peer.certificate, directory)}"   # its TLS certificate must be this one
# organs = ["{peer.organ_id}", "*.*.*.X99"]   # organs it may speak for (default: its
#                                   # organ_id and the routes naming it; never the default route)
""")
    if not peers:
        parts.append("""
# [[peers]]                         # another node
# name = "upper-axis"
# url = "https://axis.example:8443"
# organ_id = "000.00.00.G22"
# certificate = "peers/upper-axis.pem"
#
# [[routes]]                        # organ-id pattern -> peer (most specific wins)
# pattern = "*.*.*.G22"
# peer = "upper-axis"
""")
    routing = (
        f'default_peer = "{default_peer}"' if default_peer else '# default_peer = "upper-axis"'
    )
    parts.append(f"""
[routing]
{routing}

[retry]
initial = "10s"
multiplier = 2.0
max_interval = "1h"
max_age = "3d"                      # then dead letter + failure notice to the sender
jitter = 0.2

[limits]
max_message_bytes = 268435456       # 256 MiB; larger gets 413
request_timeout = "60s"
offload_bytes = 4194304             # 4 MiB; bigger ones are checked on two cores (0: one)

[calendar]
holidays = []                       # e.g. [2026-01-01, 2026-04-30, 2026-05-01, 2026-09-02]

[[admins]]
name = "operator"
role = "operator"                   # "operator" (read + resend) or "auditor" (read-only)
token_sha256 = "{token_sha256(admin_token)}"

[log]
level = "info"
format = "json"

# [audit]                           # signed checkpoints of the audit log (docs/operations.md)
# checkpoint_interval = "1h"
# rfc3161 = "https://tsa.example/tsr"   # an RFC 3161 timestamp authority
# tsa_policy = "open"               # "closed": refuse new messages while the TSA fails
""")
    return "".join(parts)
