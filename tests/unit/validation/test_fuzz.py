"""Mutated messages never crash the validator (only issues or lienthong's own
errors), and the in-memory and streaming validators reach the same verdict."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from node.edxml import build
from node.errors import LienthongError
from node.model import Envelope
from node.validation import ValidationReport, Validator
from tests.unit.edxml.strategies import envelopes

FAST = Validator()
STREAMING = Validator(stream_threshold=0)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

_TEXTS = ["", " ", "x", "-1", "99", "2026/02/30", "000.00.00.G22", "cid:1", "QUJD", "é", "&amp;"]


def _outcome(validator: Validator, data: bytes) -> ValidationReport | str:
    """The report, or the name of lienthong's error when the validator refuses the
    input outright; any other exception is a defect and fails the test."""
    try:
        report = validator.validate_bytes(data)
    except LienthongError as exc:
        return type(exc).__name__
    assert report.valid == (report.envelope is not None)
    assert all(issue.message and issue.path.startswith("/") for issue in report.issues)
    return report


def _verdict(outcome: ValidationReport | str) -> object:
    """What the two validators must agree on: the same refusal, or the same issues."""
    if isinstance(outcome, str):
        return ("refused", outcome)
    return ("report", outcome.valid, outcome.issues)


def _same_verdict(data: bytes) -> None:
    assert _verdict(_outcome(FAST, data)) == _verdict(_outcome(STREAMING, data))


def _mutate_tree(data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    root = etree.fromstring(data)
    elements = list(root.iter())
    for _ in range(rng.randint(1, 4)):
        el = rng.choice(elements)
        parent = el.getparent()
        action = rng.randrange(5)
        if action == 0 and parent is not None:
            parent.remove(el)
        elif action == 1 and parent is not None:
            parent.append(etree.fromstring(etree.tostring(el)))
        elif action == 2:
            el.text = rng.choice(_TEXTS)
        elif action == 3 and parent is not None:
            parent.insert(0, etree.fromstring(etree.tostring(el)))
        else:
            el.tag = rng.choice([e.tag for e in elements])
        elements = list(root.iter())
    return etree.tostring(root)


@SETTINGS
@given(envelopes(), st.integers(0, 2**32))
def test_structural_mutations_never_crash(env: Envelope, seed: int) -> None:
    _same_verdict(_mutate_tree(build(env), seed))


@SETTINGS
@given(envelopes(), st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=3)), max_size=4))
def test_byte_mutations_never_crash(env: Envelope, edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(build(env))
    for position, replacement in edits:
        at = position % (len(data) + 1)
        data[at : at + len(replacement)] = replacement
    _same_verdict(bytes(data))
