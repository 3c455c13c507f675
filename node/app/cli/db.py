"""`lienthong db upgrade`: apply the store's schema migrations and print the version."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
from pathlib import Path

from node.errors import ConfigError

NAME = "db"
HELP = "database maintenance (upgrade: apply schema migrations)"


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    upgrade = actions.add_parser(
        "upgrade",
        help="apply pending schema migrations and print the schema version",
        description="Apply pending schema migrations (the node also does this at start) "
        "and print the schema version.",
    )
    add_store_arguments(upgrade)
    upgrade.add_argument("--json", action="store_true", help='print {"url": ..., "version": N}')


def run(args: argparse.Namespace) -> int:
    url = store_url(args)
    version = asyncio.run(_upgrade(url))
    if args.json:
        print(json.dumps({"url": _safe(url), "version": version}))
    else:
        print(f"schema version {version} ({_safe(url)})")
    return 0


async def _upgrade(url: str) -> int:
    from node.store import store_from_url

    store = store_from_url(url)
    await store.open()
    try:
        return await store.schema_version()
    finally:
        await store.close()


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    """--config NODE_TOML | --url URL: which node's store a command opens."""
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--config", type=Path, metavar="NODE_TOML", help="take storage.url from this config"
    )
    where.add_argument(
        "--url", metavar="URL", help="sqlite:///path/node.db or postgresql://user@host/db"
    )


def store_url(args: argparse.Namespace) -> str:
    """The store URL that add_store_arguments' options name."""
    return str(args.url) if args.url is not None else _url_from_config(args.config)


def _url_from_config(path: Path) -> str:
    try:
        config_module = importlib.import_module("node.config")
    except ImportError as exc:  # pragma: no cover - node.config ships with lienthong
        raise ConfigError(f"cannot read {path}: configuration support is missing ({exc})") from exc
    config = config_module.load_config(path, check_files=False)
    return str(config.storage.url)


def _safe(url: str) -> str:
    """The URL without a password."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
