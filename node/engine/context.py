"""What the engine's parts share: where a message's CPU work runs (on the event
loop for a small message, else in a worker thread)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from node.ports.driven import Signer

T = TypeVar("T")

SMALL_BYTES = 128 * 1024
"""The work on a message of at most this many bytes (validation, signing,
verification) runs on the event loop, inline: no hand-off to a worker thread.

Measured on the 2-vCPU bench VM (2026-12-07): a hop to the executor costs
about 40 µs of CPU when idle, and far more under load (futex wake-ups, context
switches, the GIL handed back and forth): the e2e bench's 20 KB documents
spent ~10 % of their CPU on hops. The loop time the inline work takes instead
grows with the size: validate + sign (RSA-2048) 1.7 ms at 20 KB, 2.0 ms at
64 KiB, 2.4 ms at 128 KiB, 2.9 ms at 256 KiB, 4.8 ms at 512 KiB (validate +
verify about the same; a signed PDF attachment adds ~12 ms for its check).
At 128 KiB the loop waits no longer than it does anyway while a worker thread
holds the GIL (``sys.getswitchinterval()``, 5 ms), and the hop it saves is
still a few percent of the work; past it the saving fades and the stall grows.
A status message (~2 KB) and a typical small document fall below it."""


def small(size: int) -> bool:
    """Whether a message of ``size`` bytes is checked on the event loop."""
    return size <= SMALL_BYTES


def in_process(signer: Signer) -> bool:
    """Whether ``signer``'s signature is CPU work in this process only (a key in
    memory: ``signer.in_process`` is True), so that it may run on the loop for a
    small message. A signer that does not say so (a PKCS#11 token: each
    signature waits on the device and on its lock) always signs in a thread."""
    return getattr(signer, "in_process", False) is True


async def off_loop(fn: Callable[..., T], *args: object, size: int | None = None) -> T:
    """Run CPU-bound or blocking work (signing, verification, validation) off the
    loop, in the default executor; when ``size``, the bytes of the message the
    work is on, is :func:`small`, run it here at once instead (no thread hop).
    ``size`` None: always in the executor (work of unknown cost, a device)."""
    if size is not None and small(size):
        return fn(*args)
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
