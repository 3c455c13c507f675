"""``node.toml``: the node's one configuration file, loaded into a frozen,
typed :class:`Config` and validated at start (errors name the key)."""

from node.config.domain import deadline_policy, retry_policy, routing_table, work_calendar
from node.config.fields import HostPort, format_duration, parse_duration
from node.config.load import (
    check_environment,
    load_config,
    parse_config,
    referenced_files,
    secret_variables,
)
from node.config.model import (
    AdminEntry,
    Config,
    Delivery,
    DmsEntry,
    LogFormat,
    LogLevel,
    OrganEntry,
    PeerEntry,
    RouteEntry,
    UpstreamEntry,
)
from node.config.reference import ConfigKey, config_reference, render_markdown
from node.config.secrets import Secret, new_token, secret_from_env, token_sha256
from node.modes import AdminRole, PdfMode, RevocationMode, SigningMode

__all__ = [
    "AdminEntry",
    "AdminRole",
    "Config",
    "ConfigKey",
    "Delivery",
    "DmsEntry",
    "HostPort",
    "LogFormat",
    "LogLevel",
    "OrganEntry",
    "PdfMode",
    "PeerEntry",
    "RevocationMode",
    "RouteEntry",
    "Secret",
    "SigningMode",
    "UpstreamEntry",
    "check_environment",
    "config_reference",
    "deadline_policy",
    "format_duration",
    "load_config",
    "new_token",
    "parse_config",
    "parse_duration",
    "referenced_files",
    "render_markdown",
    "retry_policy",
    "routing_table",
    "secret_from_env",
    "secret_variables",
    "token_sha256",
    "work_calendar",
]
