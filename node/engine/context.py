"""What the engine's parts share: running blocking work off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


async def off_loop(fn: Callable[..., T], *args: object) -> T:
    """Run CPU-bound or blocking work (signing, verification, validation) off the loop."""
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
