"""`lienthong serve`: run the node (DMS API, peer API, admin API, delivery workers).

Logs each URL it listens on at start (and prints it on stdout), runs until
SIGTERM or SIGINT, then stops gracefully: listeners stop accepting, in-flight
requests and deliveries finish, the store closes; exit 0. A bad config or a
port in use is one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from node.config import Config

NAME = "serve"
HELP = "run the node (DMS API, peer API, admin API, delivery workers)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", required=True, type=Path, metavar="FILE", help="the node's node.toml"
    )


def run(args: argparse.Namespace) -> int:
    from node.config import load_config
    from node.errors import ConfigError
    from node.logs import configure_logging

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"lienthong serve: {exc.detail}", file=sys.stderr)
        return 2
    configure_logging(config.log.level.value, config.log.format.value)
    try:
        return asyncio.run(serve(config))
    except ConfigError as exc:
        print(f"lienthong serve: {exc.detail}", file=sys.stderr)
        return 2


async def serve(config: Config, **options: Any) -> int:
    """Start the node, print its URLs, wait for SIGTERM/SIGINT, stop gracefully.
    ``options`` go to :class:`node.app.bootstrap.NodeService` (tests pass a core)."""
    from node.app.bootstrap import NodeService
    from node.app.warmup import use_warm_executor, warm_thread

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    use_warm_executor(loop)
    warm_thread()  # the loop's own thread validates small messages (node.engine.context)
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    service = NodeService(config, **options)
    try:
        await service.start()
        for name, url in service.urls.items():
            print(f"listening: {name} {url}", flush=True)
        await stop.wait()
    finally:
        await service.stop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    print("stopped", flush=True)
    return 0
