"""The signature memory budget admits signing/verifying by weight, first come
first served, and refuses what can never fit."""

from __future__ import annotations

import asyncio

import pytest

from node.engine.budget import SIGNATURE_MEMORY_FACTOR, MemoryBudget
from node.errors import TooLarge

F = SIGNATURE_MEMORY_FACTOR


async def test_a_document_that_can_never_fit_is_too_large_and_says_why() -> None:
    budget = MemoryBudget(10 * F)
    with pytest.raises(TooLarge, match=r"11 bytes.*limits.signature_memory = 70 bytes") as err:
        async with budget.hold(11, "the message"):
            pass  # pragma: no cover - never admitted
    assert err.value.http_status == 413
    assert budget.used == 0


async def test_holders_wait_for_room_and_are_admitted_in_order() -> None:
    budget = MemoryBudget(10 * F)
    order: list[str] = []
    release_big = asyncio.Event()

    async def hold(name: str, size: int, until: asyncio.Event | None = None) -> None:
        async with budget.hold(size, name):
            order.append(name)
            if until is not None:
                await until.wait()

    big = asyncio.create_task(hold("big", 8, release_big))
    await asyncio.sleep(0)
    second = asyncio.create_task(hold("second", 5))  # does not fit next to big: waits
    await asyncio.sleep(0)
    small = asyncio.create_task(hold("small", 1))  # would fit, but must not overtake
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["big"]
    assert budget.used == 8 * F
    release_big.set()
    await asyncio.gather(big, second, small)
    assert order == ["big", "second", "small"]
    assert budget.used == 0


async def test_a_cancelled_waiter_gives_its_place_back() -> None:
    budget = MemoryBudget(10 * F)
    hold_first = asyncio.Event()
    entered: list[str] = []

    async def hold(name: str, size: int, until: asyncio.Event | None = None) -> None:
        async with budget.hold(size, name):
            entered.append(name)
            if until is not None:
                await until.wait()

    first = asyncio.create_task(hold("first", 9, hold_first))
    await asyncio.sleep(0)
    waiting = asyncio.create_task(hold("waiting", 5))
    later = asyncio.create_task(hold("later", 1))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    hold_first.set()
    await asyncio.gather(first, later)
    assert entered == ["first", "later"]
    assert budget.used == 0
