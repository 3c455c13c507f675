"""node.toml loads into a frozen, typed Config with documented defaults."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest

from node.config import (
    Config,
    Delivery,
    HostPort,
    RevocationMode,
    SigningMode,
    parse_config,
    token_sha256,
)
from node.errors import ConfigError

MINIMAL = """
[node]
organ_id = "000.00.00.H41"
"""

FULL = f"""
[node]
organ_id = "000.00.00.H41"
name = "nghe-an"
data_dir = "/var/lib/lienthong"
hop_limit = 5

[storage]
url = "postgresql://lienthong@db/lienthong"

[listen]
dms = "0.0.0.0:9080"
peer = "[::1]:9443"

[tls]
cert = "tls/node.pem"
key = "tls/node.key"
ca = "tls/ca.pem"
key_password_env = "LT_TLS_PASSWORD"

[trust]
dir = "trust"
crls = ["crl/extra.crl"]
revocation = "hard-fail"
allow_legacy = true

[[organs]]
id = "000.00.00.H41"
signing = "node"
key = "keys/h41.key"
cert = "keys/h41.pem"

[[organs]]
id = "000.00.12.H41"
signing = "dms"

[[organs]]
id = "000.00.13.H41"
cert = "keys/s13.pem"

[organs.pkcs11]
module = "/usr/lib/softhsm/libsofthsm2.so"
token_label = "lienthong"
key_label = "s13"
pin_env = "LT_S13_PIN"

[[dms]]
id = "ubnd"
organs = ["000.00.00.H41"]
token_sha256 = "{token_sha256("a")}"
delivery = "webhook"
webhook_url = "https://dms.example/hook"
webhook_secret_env = "LT_UBND_HOOK"
webhook_ca = "dms-ca.pem"

[[dms]]
id = "stttt"
organs = ["000.00.12.H41", "000.00.13.H41"]
token_sha256 = "{token_sha256("b")}"
delivery = "drop-folder"
drop_folder = "exchange/stttt"

[[peers]]
name = "vpcp"
url = "https://axis.example:8443/"
organ_id = "000.00.00.G22"
certificate = "peers/vpcp.pem"

[[routes]]
pattern = "*.*.*.G22"
peer = "vpcp"

[routing]
default_peer = "vpcp"

[retry]
initial = "5s"
multiplier = 1.5
max_interval = "10m"
max_age = "2d"
jitter = 0.1

[workers]
concurrency = 8
claim_batch = 32
poll_interval = "500ms"
lease = "2m"

[limits]
max_message_bytes = 1048576
request_timeout = "30s"

[calendar]
holidays = [2026-01-01, "2026-09-02"]

[deadlines]
arrived = "2m"
accept_workdays = 2

[[admins]]
name = "ops"
role = "operator"
token_sha256 = "{token_sha256("c")}"

[log]
level = "debug"
format = "text"
"""


def test_minimal_config_gets_safe_defaults(tmp_path: Path) -> None:
    config = parse_config(MINIMAL, tmp_path / "node.toml")
    assert config.node.name == "000.00.00.H41"
    assert config.node.data_dir == tmp_path / "data"
    assert config.storage.url == f"sqlite:///{tmp_path / 'data' / 'node.db'}"
    assert config.listen.dms == HostPort("127.0.0.1", 8080)
    assert config.listen.peer is None
    assert config.limits.max_message_bytes == 268435456
    assert config.trust.revocation is RevocationMode.SOFT_FAIL
    assert config.trust.allow_legacy is False
    assert config.retry.max_age == timedelta(days=3)
    assert config.source == tmp_path / "node.toml"


def test_full_config_is_typed_and_paths_resolve_against_its_directory(tmp_path: Path) -> None:
    config = parse_config(FULL, tmp_path / "node.toml")
    assert config.listen.peer == HostPort("::1", 9443)
    assert config.tls is not None
    assert config.tls.cert == tmp_path / "tls" / "node.pem"
    assert config.node.data_dir == Path("/var/lib/lienthong")
    assert config.trust.crls == (tmp_path / "crl" / "extra.crl",)
    assert config.organs[0].signing is SigningMode.NODE
    pkcs11 = config.organs[2].pkcs11
    assert pkcs11 is not None
    assert pkcs11.module == Path("/usr/lib/softhsm/libsofthsm2.so")
    assert pkcs11.pin_env == "LT_S13_PIN"
    assert config.dms[0].delivery is Delivery.WEBHOOK
    assert config.dms[0].webhook_ca == tmp_path / "dms-ca.pem"
    assert config.dms[1].drop_folder == tmp_path / "exchange" / "stttt"
    assert config.dms[1].drop_folder_poll == timedelta(seconds=2)
    assert config.deadlines.roll_due_date is True
    assert config.workers.poll_interval == timedelta(milliseconds=500)
    assert config.calendar.holidays == (date(2026, 1, 1), date(2026, 9, 2))
    assert config.retry.multiplier == 1.5
    assert config.dms_for_organ("000.00.12.H41") is config.dms[1]
    assert config.peer("vpcp") is config.peers[0]


def test_config_is_frozen(tmp_path: Path) -> None:
    config = parse_config(MINIMAL, tmp_path / "node.toml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.node = config.node  # type: ignore[misc]


def test_repr_never_shows_token_hashes(tmp_path: Path) -> None:
    config = parse_config(FULL, tmp_path / "node.toml")
    text = repr(config)
    for token in ("a", "b", "c"):
        assert token_sha256(token) not in text
    assert "ubnd" in text


def test_config_equality_ignores_the_source_file(tmp_path: Path) -> None:
    one = parse_config(MINIMAL.replace('"\n', '"\ndata_dir = "/d"\n', 1), tmp_path / "a.toml")
    two = parse_config(MINIMAL.replace('"\n', '"\ndata_dir = "/d"\n', 1), tmp_path / "b.toml")
    assert isinstance(one, Config)
    assert one == two


@pytest.mark.parametrize(
    ("limits", "budget"),
    [
        ("", 2 * 1024**3),  # 8 × 256 MiB = 2 GiB
        ("max_message_bytes = 1048576", 2 * 1024**3),  # at least 2 GiB
        ("max_message_bytes = 1073741824", 8 * 1024**3),  # 8 × max_message_bytes
        ("signature_memory = 500000000", 500_000_000),
    ],
)
def test_signature_memory_defaults_to_8_messages_and_at_least_2_gib(
    tmp_path: Path, limits: str, budget: int
) -> None:
    config = parse_config(f"{MINIMAL}\n[limits]\n{limits}\n", tmp_path / "node.toml")
    assert config.limits.signature_memory_bytes == budget


def test_signature_memory_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"limits\.signature_memory: must be at least 1"):
        parse_config(f"{MINIMAL}\n[limits]\nsignature_memory = 0\n", tmp_path / "node.toml")
