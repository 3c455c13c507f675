"""Durations, listen addresses and secrets."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.config import HostPort, Secret, format_duration, parse_duration, secret_from_env
from node.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500ms", timedelta(milliseconds=500)),
        ("5s", timedelta(seconds=5)),
        ("10m", timedelta(minutes=10)),
        ("3d", timedelta(days=3)),
        ("1h30m", timedelta(minutes=90)),
    ],
)
def test_durations(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "5", "s", "5 s", "-5s", "5S", "1.5h", "5s5", "m5"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="must be a duration"):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=10**10))
def test_duration_format_round_trips(ms: int) -> None:
    value = timedelta(milliseconds=ms)
    assert parse_duration(format_duration(value)) == value


@given(st.text(max_size=12))
def test_duration_parser_never_crashes(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("127.0.0.1:8080", HostPort("127.0.0.1", 8080)),
        ("[::1]:0", HostPort("::1", 0)),
        ("node.example:443", HostPort("node.example", 443)),
    ],
)
def test_listen_addresses(text: str, value: HostPort) -> None:
    assert HostPort.parse(text) == value
    assert HostPort.parse(str(value)) == value


def test_secret_is_never_shown() -> None:
    secret = secret_from_env("dms[0].webhook_secret_env", "X", {"X": "hunter2"})
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret}"
    assert "hunter2" not in repr([secret])
    assert secret.reveal() == "hunter2"
    assert secret == Secret("hunter2")


def test_missing_secret_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"tls\.key_password_env: environment variable P"):
        secret_from_env("tls.key_password_env", "P", {})


def test_new_tokens_never_look_like_command_line_options() -> None:
    """``lienthong send --token T``: a token starting with "-" (1 in 64 of
    bare url-safe tokens) was read by argparse as an option."""
    from node.app.cli.main import build_parser
    from node.config import new_token

    tokens = {new_token() for _ in range(500)}
    assert len(tokens) == 500
    assert not any(t.startswith("-") for t in tokens)
    for token in list(tokens)[:50]:
        parser, _ = build_parser()
        args = parser.parse_args(["send", "--node", "http://x", "--token", token, "f"])
        assert args.token == token
