"""build → parse → build is the identity on bytes; samples parse and rebuild exactly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from node.edxml import build
from node.model import Envelope, MessageKind, StatusCode
from node.validation import parse
from tests.unit.edxml.strategies import envelopes

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_sample_document_parses(sample_document: bytes) -> None:
    env = parse(sample_document)
    assert env.kind is MessageKind.DOCUMENT
    assert env.document_id == "000.00.00.H41,2026/11/20,1234/UBND-KGVX"
    assert env.recipients == ("000.00.12.H41", "000.00.00.G22")
    assert env.header.subject.startswith("V/v báo cáo")  # type: ignore[union-attr]
    assert env.attachments[0].content is not None
    assert env.attachments[0].content.startswith("Kính gửi".encode())
    assert env.attachments[0].size == len(env.attachments[0].content)


def test_sample_status_parses(sample_status: bytes) -> None:
    env = parse(sample_status)
    assert env.kind is MessageKind.STATUS
    assert env.header.status_code is StatusCode.ACCEPTED  # type: ignore[union-attr]
    assert env.recipients == ("000.00.00.H41",)


def test_samples_rebuild_byte_for_byte(sample_document: bytes, sample_status: bytes) -> None:
    assert build(parse(sample_document)) == sample_document
    assert build(parse(sample_status)) == sample_status


@FAST
@given(envelopes())
def test_build_parse_build_is_identical(env: Envelope) -> None:
    first = build(env)
    again = parse(first)
    assert build(again) == first


@FAST
@given(envelopes())
def test_parse_of_build_gives_the_envelope_back(env: Envelope) -> None:
    assert parse(build(env)) == env
