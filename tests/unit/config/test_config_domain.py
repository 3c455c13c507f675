"""The config builds the core's domain objects with its values."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from node.config import (
    deadline_policy,
    parse_config,
    retry_policy,
    routing_table,
    token_sha256,
    work_calendar,
)
from node.routing import TargetKind

TEXT = f"""
[node]
organ_id = "000.00.00.H41"
[tls]
cert = "c.pem"
key = "k.pem"
ca = "ca.pem"
[trust]
dir = "trust"
[[organs]]
id = "000.00.12.H41"
signing = "dms"
[[dms]]
id = "stttt"
organs = ["000.00.12.H41"]
token_sha256 = "{token_sha256("x")}"
[[peers]]
name = "vpcp"
url = "https://vpcp.example/"
organ_id = "000.00.00.G22"
certificate = "vpcp.pem"
[[peers]]
name = "up"
url = "https://up.example/"
organ_id = "000.00.00.A01"
certificate = "up.pem"
[[routes]]
pattern = "*.*.*.G22"
peer = "vpcp"
[routing]
default_peer = "up"
[retry]
initial = "5s"
multiplier = 3
max_interval = "5m"
max_age = "1d"
jitter = 0.5
[calendar]
holidays = [2026-09-02]
[deadlines]
arrived = "2m"
accept_workdays = 2
roll_due_date = false
"""


def test_domain_objects_carry_the_configured_values(tmp_path: Path) -> None:
    config = parse_config(TEXT, tmp_path / "node.toml")
    table = routing_table(config)
    assert table.resolve("000.00.12.H41").kind is TargetKind.LOCAL
    assert table.resolve("000.00.12.H41").name == "stttt"
    assert table.resolve("000.00.00.G22").name == "vpcp"
    assert table.resolve("000.00.00.K41").name == "up"
    assert table.peer_expected_for("000.00.00.G22") == "vpcp"
    retry = retry_policy(config)
    assert (retry.initial, retry.multiplier, retry.max_interval) == (
        timedelta(seconds=5),
        3.0,
        timedelta(minutes=5),
    )
    assert (retry.max_age, retry.jitter) == (timedelta(days=1), 0.5)
    calendar = work_calendar(config)
    assert not calendar.is_working_day(date(2026, 9, 2))
    assert calendar.is_working_day(date(2026, 9, 3))
    policy = deadline_policy(config)
    assert policy.arrived_within == timedelta(minutes=2)
    assert policy.accept_working_days == 2
    assert policy.roll_due_date is False


def test_calendar_years_add_holidays_and_make_up_days_to_the_old_list(tmp_path: Path) -> None:
    text = TEXT.replace(
        "[calendar]\nholidays = [2026-09-02]\n",
        "[calendar]\nholidays = [2026-09-02]\n"
        "[[calendar.years]]\nyear = 2027\nholidays = [2027-02-08]\nworkdays = [2027-02-20]\n",
    )
    calendar = work_calendar(parse_config(text, tmp_path / "node.toml"))
    assert not calendar.is_working_day(date(2026, 9, 2))  # the old top-level list still counts
    assert not calendar.is_working_day(date(2027, 2, 8))  # Monday, a holiday of 2027
    assert calendar.is_working_day(date(2027, 2, 20))  # Saturday, made up
    assert not calendar.is_working_day(date(2027, 2, 21))
