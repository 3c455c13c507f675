"""Schemas are compiled one at a time, and a cold validator serves many threads."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from lxml import etree

import schemas
from node.validation import Validator, strict
from tests.unit.validation.edits import set_text

THREADS = 8


def _run_together(work: Any) -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            work()
        except BaseException as exc:  # collected and asserted on
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return errors


def test_compilations_never_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrap the compiler so that overlapping compilations are seen (a short sleep
    inside widens the window): with the lock there are none."""
    real = etree.XMLSchema
    lock = threading.Lock()
    state = {"inside": 0, "most": 0, "compiled": 0}

    def compiling(document: Any) -> etree.XMLSchema:
        with lock:
            state["inside"] += 1
            state["most"] = max(state["most"], state["inside"])
        try:
            time.sleep(0.005)
            return real(document)
        finally:
            with lock:
                state["inside"] -= 1
                state["compiled"] += 1

    monkeypatch.setattr(schemas.etree, "XMLSchema", compiling)
    monkeypatch.setattr(strict.etree, "XMLSchema", compiling)
    errors = _run_together(lambda: (schemas.load_edxml_schema(), strict.load_strict_schema()))
    assert errors == []
    assert state["compiled"] == 2 * THREADS
    assert state["most"] == 1


def test_cold_validator_from_many_threads(sample_document: bytes, sample_status: bytes) -> None:
    validator = Validator()  # nothing compiled yet: every thread compiles its own
    invalid = set_text(sample_document, "PromulgationDate", "2026/02/30")
    results: list[tuple[bool, bool, bool]] = []

    def work() -> None:
        doc = validator.validate_bytes(sample_document)
        status = validator.validate_bytes(sample_status)
        bad = validator.validate_bytes(invalid)
        assert doc.envelope is not None
        assert status.envelope is not None
        assert "not a real calendar date" in bad.issues[0].message
        results.append((doc.valid, status.valid, bad.valid))

    assert _run_together(work) == []
    assert results == [(True, True, False)] * THREADS
