"""The key-free pass over a big message in a second process (node/offload.py):
the answers are the ones the node gives in one process, whether the worker
runs, fails, or dies; the signed bytes are the same bytes."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from node.errors import ValidationFailed
from node.model import MessageKind
from node.offload import Offload
from node.validation import validate_file
from tests.integration.engine.test_signed_round_trip import (
    DMS_G22,
    DMS_H41,
    G22,
    H41,
    _drain,
    _inbox_codes,
    _incoming,
    pair,
)
from tests.support.messages import document, status

__all__ = ["pair"]  # the fixture, shared with the round-trip tests


class Recording(Offload):
    """An offload that keeps what it was given and the futures it made."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.calls: list[tuple[str, Future[Any] | None]] = []

    def submit(self, size: int, fn: Callable[..., Any], *args: Any) -> Future[Any] | None:
        future = super().submit(size, fn, *args)
        self.calls.append((fn.__name__, future))
        return future

    def answered(self) -> list[str]:
        """The work the worker process finished without failing."""
        return [
            name
            for name, f in self.calls
            if f is not None and f.done() and not f.cancelled() and f.exception() is None
        ]


@pytest.fixture
def offload() -> Iterator[Recording]:
    side = Recording(threshold=1)  # every message: the tests' documents are small
    side.start()
    yield side
    side.close()


def _worker_pid(side: Offload) -> int:
    future = side.submit(10, os.getpid)
    assert future is not None
    return int(future.result(timeout=60))


async def test_a_round_trip_with_the_offload_signs_and_verifies(  # type: ignore[no-untyped-def]
    pair, offload: Recording, tmp_path: Path
) -> None:
    a, b, to_b, to_a = await pair(offload=offload)
    data, _doc = document(H41, (G22,))
    await a.exchange.submit(
        _incoming(tmp_path, data, "d.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
    )
    await _drain(a, b)

    assert to_b.answers == ["accepted"]
    assert to_a.answers == ["accepted"]
    assert "prepare_file" in offload.answered(), "A's digest was made in the worker"
    assert "valid_envelope_of_file" in offload.answered(), "B validated in the worker"
    assert await _inbox_codes(a, DMS_H41) == ["01"]
    assert _worker_pid(offload) != os.getpid()


async def test_a_tampered_document_is_refused_as_in_one_process(  # type: ignore[no-untyped-def]
    pair, offload: Recording, tmp_path: Path
) -> None:
    a, b, to_b, _ = await pair(tamper=True, offload=offload)
    data, _doc = document(H41, (G22,))
    await a.exchange.submit(
        _incoming(tmp_path, data, "d.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
    )
    await _drain(a, b)

    assert to_b.answers == ["signature-rejected"]
    assert (await b.exchange.inbox(DMS_G22, limit=5, cursor=None)).items == ()


async def test_an_invalid_document_gets_the_same_refusal(  # type: ignore[no-untyped-def]
    pair, offload: Recording, tmp_path: Path
) -> None:
    data, _doc = document(H41, (G22,))
    broken = data.replace(b"<edXML:MessageHeader>", b"<edXML:MessageHeader><edXML:Unknown/>", 1)
    assert broken != data
    (tmp_path / "alone.xml").write_bytes(broken)
    alone = validate_file(tmp_path / "alone.xml")
    assert alone.issues
    a, _b, _, _ = await pair(offload=offload)
    with pytest.raises(ValidationFailed) as caught:
        await a.exchange.submit(
            _incoming(tmp_path, broken, "bad.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
        )
    assert caught.value.issues == alone.issues
    assert [name for name, _ in offload.calls] == ["prepare_file"]


async def test_a_status_where_a_document_is_expected_is_refused_the_same(  # type: ignore[no-untyped-def]
    pair, offload: Recording, tmp_path: Path
) -> None:
    a, _b, _, _ = await pair(offload=offload)
    _, doc_id = document(H41, (G22,))
    data = status(H41, doc_id, "03", datetime.now(UTC))
    with pytest.raises(ValidationFailed, match="expected a document"):
        await a.exchange.submit(
            _incoming(tmp_path, data, "s.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
        )


async def test_a_dead_worker_is_replaced_and_nothing_is_lost(  # type: ignore[no-untyped-def]
    pair, offload: Recording, tmp_path: Path
) -> None:
    a, b, to_b, to_a = await pair(offload=offload)
    os.kill(_worker_pid(offload), signal.SIGKILL)
    for n in range(2):  # the first may meet the dead worker (done here), the next a new one
        data, _doc = document(H41, (G22,))
        await a.exchange.submit(
            _incoming(tmp_path, data, f"d{n}.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
        )
        await _drain(a, b)
    assert to_b.answers == ["accepted", "accepted"]
    assert to_a.answers == ["accepted", "accepted"]
    assert _worker_pid(offload) != os.getpid(), "a new worker serves again"


def test_a_closed_offload_hands_nothing_over() -> None:
    side = Offload(threshold=100)
    assert side.submit(99, os.getpid) is None, "small messages stay here"
    side.close()
    assert side.submit(1000, os.getpid) is None
