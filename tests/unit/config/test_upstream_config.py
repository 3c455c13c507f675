"""[[upstreams]]: a national axis reached over VDXP, named by routes like a peer."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import check_environment, parse_config, routing_table
from node.errors import ConfigError

HEAD = '[node]\norgan_id = "000.00.00.H41"\n[trust]\ndir = "trust"\n'
UPSTREAM = """
[[upstreams]]
name = "national"
url = "http://127.0.0.1:8080/vdxp"
organ_id = "000.00.00.G22"
system_id = "vxp.h41.01"
secret_env = "AXIS_SECRET"
"""


def test_an_upstream_is_a_default_route_and_needs_its_secret(tmp_path: Path) -> None:
    config = parse_config(
        HEAD + '[routing]\ndefault_peer = "national"\n' + UPSTREAM, tmp_path / "node.toml"
    )
    assert config.upstreams[0].system_id == "vxp.h41.01"
    assert config.upstreams[0].poll_interval.total_seconds() == 5
    plan = routing_table(config).plan(["000.00.00.H22"])
    assert dict(plan.peers) == {"national": ("000.00.00.H22",)}
    with pytest.raises(ConfigError, match=r"upstreams\[0\]\.secret_env: .*AXIS_SECRET"):
        check_environment(config, {})


def test_an_unknown_route_target_names_upstreams_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown peer 'nowhere' \\(peers: national\\)"):
        parse_config(HEAD + '[routing]\ndefault_peer = "nowhere"\n' + UPSTREAM, tmp_path / "n")


def test_an_upstream_needs_trust_to_verify_what_it_receives(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"trust\.dir: required"):
        parse_config('[node]\norgan_id = "000.00.00.H41"\n' + UPSTREAM, tmp_path / "n")


def test_directory_sync_is_off_unless_the_operator_turns_it_on(tmp_path: Path) -> None:
    (upstream,) = parse_config(HEAD + UPSTREAM, tmp_path / "node.toml").upstreams
    assert upstream.directory_sync is False
    assert (upstream.directory_interval.total_seconds(), upstream.directory_call) == (
        3600,
        "getAgenciesList",
    )
    on = UPSTREAM + 'directory_sync = true\ndirectory_interval = "10m"\n'
    (upstream,) = parse_config(HEAD + on, tmp_path / "node.toml").upstreams
    assert upstream.directory_sync
    assert upstream.directory_interval.total_seconds() == 600


def test_an_unknown_directory_call_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"upstreams\[0\]\.directory_call: must be one of"):
        parse_config(HEAD + UPSTREAM + 'directory_call = "getEdoc"\n', tmp_path / "node.toml")
