"""A node.toml for tests: two local organs with their DMS clients, an operator
and an auditor, optional peer listener with TLS material."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from node.config import Config, load_config, token_sha256
from tests.support.pki import TlsCa

H41 = "000.00.00.H41"
S41 = "000.00.12.H41"
G22 = "000.00.00.G22"
TOKENS = {"ubnd": "tok-ubnd-0123456789", "stttt": "tok-stttt-0123456789"}
OPERATOR = "tok-operator-0123456789"
AUDITOR = "tok-auditor-0123456789"


@dataclass(frozen=True)
class TestNode:
    __test__ = False
    config: Config
    directory: Path
    ca: TlsCa | None = None


def node_toml(*, max_bytes: int = 65536, peer_block: str = "", extra: str = "") -> str:
    return f"""
[node]
organ_id = "{H41}"
name = "h41"
data_dir = "data"

[listen]
dms = "127.0.0.1:0"
{peer_block}

[trust]
dir = "trust"

[limits]
max_message_bytes = {max_bytes}

[[organs]]
id = "{H41}"
signing = "dms"

[[organs]]
id = "{S41}"
signing = "dms"

[[dms]]
id = "ubnd"
organs = ["{H41}"]
token_sha256 = "{token_sha256(TOKENS["ubnd"])}"

[[dms]]
id = "stttt"
organs = ["{S41}"]
token_sha256 = "{token_sha256(TOKENS["stttt"])}"

[[admins]]
name = "ops"
role = "operator"
token_sha256 = "{token_sha256(OPERATOR)}"

[[admins]]
name = "audit"
role = "auditor"
token_sha256 = "{token_sha256(AUDITOR)}"
{extra}
"""


def make_node(directory: Path, *, max_bytes: int = 65536, with_peer: bool = False) -> TestNode:
    directory.mkdir(parents=True, exist_ok=True)
    ca = TlsCa(directory / "trust")
    peer_block, extra = "", ""
    if with_peer:
        node = ca.issue("h41-node")
        g22 = ca.issue("g22-node")
        peer_block = 'peer = "127.0.0.1:0"'
        extra = f"""
[tls]
cert = "{node.cert}"
key = "{node.key}"
ca = "{ca.path}"

[[peers]]
name = "g22"
url = "https://127.0.0.1:1/"
organ_id = "{G22}"
certificate = "{g22.cert}"

[routing]
default_peer = "g22"
"""
    path = directory / "node.toml"
    path.write_text(node_toml(max_bytes=max_bytes, peer_block=peer_block, extra=extra))
    return TestNode(load_config(path), directory, ca)
