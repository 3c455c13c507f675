"""The strict first pass and the lazy Envelope give exactly the full path's answers."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.edxml import build
from node.edxml.values import date_problem, timestamp_problem
from node.errors import LienthongError, ValidationFailed
from node.model import Envelope
from node.validation import ValidationReport, Validator, precheck
from node.validation.strict import DATE_PATTERN, TIMESTAMP_PATTERN
from tests.unit.edxml.strategies import envelopes
from tests.unit.validation.edits import attachment_block, remove, set_text
from tests.unit.validation.test_fuzz import _mutate_tree
from tests.unit.validation.test_invalid_variants import DOCUMENT_CASES, STATUS_CASES

FIRST = Validator()
FULL = Validator(first_pass=False)
STREAMED_FIRST = Validator(stream_threshold=0)
STREAMED_FULL = Validator(stream_threshold=0, first_pass=False)

Edit = Callable[[bytes], bytes]


def _same(data: bytes) -> ValidationReport:
    """Both paths (in memory and streamed) agree on issues and Envelope."""
    outcomes = []
    for validator in (FIRST, FULL, STREAMED_FIRST, STREAMED_FULL):
        try:
            report = validator.validate_bytes(data)
            outcomes.append((report.kind, report.issues, report.envelope))
        except LienthongError as exc:
            outcomes.append((type(exc).__name__, exc.detail, None))
    assert outcomes[0] == outcomes[1]
    assert outcomes[2][:2] == outcomes[3][:2]
    return FIRST.validate_bytes(data)


# --------------------------------------------------------------------------- patterns


def _matches(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None  # XSD patterns used are Python-compatible


@pytest.mark.parametrize("year", [1, 4, 100, 400, 1900, 2000, 2023, 2024, 2100, 9999])
def test_date_pattern_is_the_calendar(year: int) -> None:
    for month in range(0, 14):
        for day in range(0, 33):
            text = f"{year:04d}/{month:02d}/{day:02d}"
            assert _matches(DATE_PATTERN, text) == (date_problem(text) is None), text
    assert not _matches(DATE_PATTERN, "0000/01/01")
    assert date_problem("0000/01/01") is not None


def test_date_pattern_every_day_of_a_leap_cycle() -> None:
    day = date(1999, 1, 1)
    while day.year < 2005:
        assert _matches(DATE_PATTERN, f"{day.year:04d}/{day.month:02d}/{day.day:02d}")
        day += timedelta(days=1)


@pytest.mark.parametrize(
    "text",
    [
        "2026/11/20 00:00:00",
        "2026/11/20 23:59:59",
        "2026/11/20 24:00:00",
        "2026/11/20 12:60:00",
        "2026/11/20 12:00:60",
        "2026/02/29 12:00:00",
        "2024/02/29 12:00:00",
        "2026/11/20 1:00:00",
    ],
)
def test_timestamp_pattern_is_the_clock(text: str) -> None:
    assert _matches(TIMESTAMP_PATTERN, text) == (timestamp_problem(text) is None)


# --------------------------------------------------------------------------- same answers


def _content(data: bytes, value: str) -> bytes:
    found = re.sub(
        rb"(<(?:\w+:)?ContentTransferEncoded[^>]*>)[^<]*</",
        lambda m: m[1] + value.encode() + b"</",
        data,
        count=1,
    )
    assert found != data or not value
    return found


_ID_G22 = "000.00.00.G22,2026/11/20,1/A"

EDGE_DOCUMENT: list[tuple[str, Edit]] = [
    ("leap-day-ok", lambda d: set_text(d, "PromulgationDate", "2024/02/29")),
    ("leap-day-bad", lambda d: set_text(d, "PromulgationDate", "2025/02/29")),
    ("century-not-leap", lambda d: set_text(d, "PromulgationDate", "1900/02/29")),
    ("year-zero", lambda d: set_text(d, "PromulgationDate", "0000/01/01")),
    ("date-padded", lambda d: set_text(d, "PromulgationDate", " 2026/11/20\n")),
    ("timestamp-24h", lambda d: set_text(d, "Timestamp", "2026/11/20 24:00:00")),
    ("doc-type-4", lambda d: set_text(d, "BussinessDocType", "4")),
    ("doc-type-plus", lambda d: set_text(d, "BussinessDocType", "+3")),
    ("priority-4", lambda d: set_text(d, "Priority", "4")),
    ("priority-padded", lambda d: set_text(d, "Priority", " 03 ")),
    ("one-to-less", lambda d: remove(d, "To")),
    ("no-to", lambda d: re.sub(rb"<edXML:To>.*?</edXML:To>", b"", d, flags=re.S)),
    ("document-id-wrong-organ", lambda d: set_text(d, "DocumentId", _ID_G22)),
    ("document-id-bad-day", lambda d: set_text(d, "DocumentId", "000.00.00.H41,2026/02/30,1/A")),
    (
        "document-id-at-the-end",
        lambda d: d.replace(
            b"<edXML:DocumentId>000.00.00.H41,2026/11/20,1234/UBND-KGVX</edXML:DocumentId>", b"", 1
        ).replace(
            b"</edXML:MessageHeader>",
            b"<edXML:DocumentId>000.00.00.H41,2026/11/20,1234/UBND-KGVX</edXML:DocumentId>"
            b"</edXML:MessageHeader>",
        ),
    ),
    ("content-id-with-space", lambda d: d.replace(b">cid:1<", b">cid: 1<")),
    ("content-id-unicode", lambda d: d.replace(b">cid:1<", ">cid:é<".encode())),
    ("content-id-padded", lambda d: d.replace(b">cid:1<", b"> cid:1\n<")),
    ("content-id-padded-once", lambda d: d.replace(b">cid:1<", b"> cid:1<", 1)),
    (
        "content-id-nfc",
        lambda d: d.replace(b">cid:1<", ">cid:e\u0301<".encode(), 1).replace(
            b">cid:1<", ">cid:\u00e9<".encode(), 1
        ),
    ),
    (
        "reference-without-attachment",
        lambda d: d.replace(b"<ContentId>cid:1<", b"<ContentId>cid:2<"),
    ),
    (
        "attachment-twice",
        lambda d: d.replace(b"</AttachmentEncoded>", attachment_block(d) + b"</AttachmentEncoded>"),
    ),
    ("comment-in-date", lambda d: set_text(d, "PromulgationDate", "2026/11<!-- x -->/20")),
    ("base64-bad-char", lambda d: _content(d, "QUJD*")),
    ("base64-not-padded", lambda d: _content(d, "QUJDRA")),
    ("base64-empty", lambda d: _content(d, "")),
    ("base64-stray-bits", lambda d: _content(d, "QUJDRB==")),
    ("base64-cdata", lambda d: _content(d, "QU<![CDATA[JD]]>")),
]

EDGE_STATUS: list[tuple[str, Edit]] = [
    ("unknown-code", lambda d: set_text(d, "StatusCode", "07")),
    ("code-padded", lambda d: set_text(d, "StatusCode", " 03 ")),
    ("no-response-for", lambda d: remove(d, "ResponseFor")),
    ("bad-response-id", lambda d: set_text(d, "DocumentId", "nope")),
]


@pytest.mark.parametrize(
    "edit",
    [c[1] for c in DOCUMENT_CASES] + [c[1] for c in EDGE_DOCUMENT],
    ids=[c[0] for c in DOCUMENT_CASES] + [c[0] for c in EDGE_DOCUMENT],
)
def test_document_variants_same_answer(sample_document: bytes, edit: Edit) -> None:
    _same(edit(sample_document))


@pytest.mark.parametrize(
    "edit",
    [c[1] for c in STATUS_CASES] + [c[1] for c in EDGE_STATUS],
    ids=[c[0] for c in STATUS_CASES] + [c[0] for c in EDGE_STATUS],
)
def test_status_variants_same_answer(sample_status: bytes, edit: Edit) -> None:
    _same(edit(sample_status))


def test_edge_cases_cover_both_verdicts(sample_document: bytes) -> None:
    verdicts = {name: _same(edit(sample_document)).valid for name, edit in EDGE_DOCUMENT}
    valid = {name for name, ok in verdicts.items() if ok}
    assert {"leap-day-ok", "document-id-at-the-end", "content-id-with-space"} <= valid
    assert {"priority-padded", "content-id-nfc", "date-padded"} <= valid
    assert not {"leap-day-bad", "base64-bad-char", "priority-4", "no-to"} & valid


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(envelopes())
def test_built_envelopes_same_answer(env: Envelope) -> None:
    report = _same(build(env))
    assert report.valid


@SETTINGS
@given(envelopes(), st.integers(0, 2**32))
def test_mutations_same_answer(env: Envelope, seed: int) -> None:
    _same(_mutate_tree(build(env), seed))


# --------------------------------------------------------------------------- lazy Envelope


def test_valid_samples_take_the_first_pass(sample_document: bytes, sample_status: bytes) -> None:
    for data in (sample_document, sample_status):
        report = FIRST.validate_bytes(data)
        assert report.valid
        assert report._build is not None  # nothing built yet
        envelope = report.envelope
        assert report._build is None
        assert envelope == FULL.validate_bytes(data).envelope
        assert report.envelope is envelope  # built once


def test_envelope_read_from_many_threads_is_built_once(sample_document: bytes) -> None:
    report = FIRST.validate_bytes(sample_document)
    seen: list[object] = []
    barrier = threading.Barrier(6)

    def read() -> None:
        barrier.wait()
        seen.append(report.envelope)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 6
    assert all(e is seen[0] for e in seen)


def test_a_first_pass_mistake_is_never_accepted(
    sample_document: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the first pass wrongly call a message clean, reading the Envelope
    raises the full path's issues instead of handing out an invalid model."""
    bad = _content(sample_document, "QUJD*")
    monkeypatch.setattr(precheck, "clean", lambda root, kind, problem_of: True)
    report = Validator().validate_bytes(bad)
    assert report.valid
    with pytest.raises(ValidationFailed) as caught:
        _ = report.envelope
    assert "not in the base64 alphabet" in str(caught.value.issues[0].message)
