"""The streaming path (large files) answers like the fast path, in bounded memory."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from node.edxml import build
from node.edxml.stream import MAX_ELEMENTS, read_stream
from node.errors import MalformedXml, UnsafeXml
from node.model import Envelope
from node.validation import ValidationReport, Validator
from tests.unit.edxml.strategies import envelopes

FAST = Validator()
STREAMING = Validator(stream_threshold=0)


def _without_content(env: Envelope | None) -> Envelope | None:
    if env is None:
        return None
    return dataclasses.replace(
        env, attachments=tuple(dataclasses.replace(a, content=None) for a in env.attachments)
    )


def _assert_same(fast: ValidationReport, streamed: ValidationReport) -> None:
    assert streamed.kind == fast.kind
    assert streamed.issues == fast.issues
    assert streamed.envelope == _without_content(fast.envelope)


def test_samples_same_on_both_paths(sample_document: bytes, sample_status: bytes) -> None:
    for data in (sample_document, sample_status):
        fast = FAST.validate_bytes(data)
        assert fast.valid
        _assert_same(fast, STREAMING.validate_bytes(data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(envelopes())
def test_envelopes_same_on_both_paths(env: Envelope) -> None:
    data = build(env)
    fast = FAST.validate_bytes(data)
    assert fast.valid
    streamed = STREAMING.validate_bytes(data)
    _assert_same(fast, streamed)
    for att in streamed.envelope.attachments if streamed.envelope else ():
        assert att.content is None
        assert att.size is not None
        assert att.sha256 is not None


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<edXML:StatusCode>03<", b"<edXML:StatusCode>77<"),
        (b"<edXML:OrganId>000.00.12.H41<", b"<edXML:OrganId>000.00.12.h41<"),
        (b"<edXML:Timestamp>2026/11/20 10:02:11<", b"<edXML:Timestamp>2026/02/30 10:02:11<"),
        (b"<edXML:StaffInfo>", b"<edXML:Bogus/><edXML:StaffInfo>"),
    ],
)
def test_issues_same_on_both_paths(sample_status: bytes, old: bytes, new: bytes) -> None:
    data = sample_status.replace(old, new, 1)
    fast = FAST.validate_bytes(data)
    assert not fast.valid
    _assert_same(fast, STREAMING.validate_bytes(data))


def test_bad_base64_same_on_both_paths(sample_document: bytes) -> None:
    data = sample_document.replace(b">S8Otbmgg", b">S8Ot!mgg")
    fast = FAST.validate_bytes(data)
    assert [i.message for i in fast.issues] == [
        "attachment content is not valid base64: character '!' (U+0021) at position 5 "
        "is not in the base64 alphabet"
    ]
    _assert_same(fast, STREAMING.validate_bytes(data))


def test_multi_line_start_tags_get_libxml2_lines(sample_status: bytes) -> None:
    data = sample_status.replace(b"<edXML:StatusCode>03<", b"<edXML:StatusCode\n\n>99<")
    fast = FAST.validate_bytes(data)
    _assert_same(fast, STREAMING.validate_bytes(data))


def _large_document(sample_document: bytes, path: Path, megabytes: int) -> bytes:
    """Write the sample with a ``megabytes`` attachment in chunks; return its content hash
    input (the repeated block)."""
    text = sample_document
    start = text.index(b">", text.index(b"<edXML:ContentTransferEncoded")) + 1
    end = text.index(b"</edXML:ContentTransferEncoded>")
    block = bytes(range(256)) * 3 * 256  # 196608 bytes, a multiple of 3
    line = io.BytesIO()
    import base64

    line.write(base64.encodebytes(block))
    encoded = line.getvalue()
    digest = hashlib.sha256()
    repeats = megabytes * 1024 * 1024 // len(block)
    with path.open("wb") as out:
        out.write(text[:start] + b"\n")
        for _ in range(repeats):
            out.write(encoded)
            digest.update(block)
        out.write(text[end:])
    return digest.hexdigest().encode()


def test_large_file_is_streamed_with_size_and_hash(sample_document: bytes, tmp_path: Path) -> None:
    path = tmp_path / "large.edxml"
    digest = _large_document(sample_document, path, 12)
    tracemalloc.start()
    try:
        report = Validator().validate_file(path)  # default threshold: 8 MiB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # a 12 MiB attachment never sits in memory
    assert report.valid, report.issues
    assert report.envelope is not None
    att = report.envelope.attachments[0]
    assert att.content is None
    assert att.size == 12 * 1024 * 1024 // 196608 * 196608
    assert att.sha256 == digest.decode()


def test_streaming_refuses_doctype_quickly() -> None:
    bomb = b'<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY b "c">]>\n<a>&b;</a>'
    started = time.monotonic()
    with pytest.raises(UnsafeXml):
        read_stream(io.BytesIO(bomb))
    assert time.monotonic() - started < 1


def test_streaming_refuses_doctype_after_a_long_prolog() -> None:
    prolog = b"<?xml version='1.0'?>" + b"<!-- " + b"x" * 70000 + b" -->"
    with pytest.raises(UnsafeXml):
        read_stream(io.BytesIO(prolog + b'<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>'))


def test_streaming_refuses_deep_nesting_quickly() -> None:
    started = time.monotonic()
    with pytest.raises(UnsafeXml, match="nesting deeper"):
        read_stream(io.BytesIO(b"<a>" * 100_000 + b"</a>" * 100_000))
    assert time.monotonic() - started < 1


def test_streaming_refuses_too_many_elements() -> None:
    with pytest.raises(UnsafeXml, match="elements"):
        read_stream(io.BytesIO(b"<a>" + b"<b/>" * (MAX_ELEMENTS + 1) + b"</a>"))


def test_streaming_refuses_giant_text_outside_attachments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("node.edxml.stream.MAX_TEXT", 1000)
    with pytest.raises(UnsafeXml, match="text of more than 1000"):
        read_stream(io.BytesIO(b"<a>" + b"x" * 5000 + b"</a>"))


@pytest.mark.parametrize("data", [b"", b"  \n", b"<a><b></a>", b"not xml"])
def test_streaming_malformed(data: bytes) -> None:
    with pytest.raises(MalformedXml):
        read_stream(io.BytesIO(data))


def test_lines_beyond_65535_are_exact_on_both_paths(sample_document: bytes) -> None:
    import base64

    start = sample_document.index(b">", sample_document.index(b"<edXML:ContentTransferEncoded")) + 1
    end = sample_document.index(b"</edXML:ContentTransferEncoded>")
    lines = base64.encodebytes(bytes(57 * 70_000))
    stray = (
        b"<Attachment><ContentId>cid:9</ContentId><ContentType>text/plain</ContentType>"
        b"<ContentTransferEncoded>QUJD</ContentTransferEncoded></Attachment>\n"
    )
    tail = sample_document[end:].replace(b"</AttachmentEncoded>", stray + b"</AttachmentEncoded>")
    data = sample_document[:start] + b"\n" + lines + tail
    expected_line = data[: data.index(b"<Attachment><ContentId>cid:9")].count(b"\n") + 1
    assert expected_line > 70_000
    fast = FAST.validate_bytes(data)
    assert [(i.line, i.message) for i in fast.issues] == [
        (expected_line, "Attachment 'cid:9' is not listed in the manifest (edXMLManifest)")
    ]
    _assert_same(fast, STREAMING.validate_bytes(data))


def test_stray_element_inside_attachment_content(sample_document: bytes) -> None:
    data = sample_document.replace(b">S8Otbmgg", b">S8Ot<edXML:x>y</edXML:x>bmgg")
    fast = FAST.validate_bytes(data)
    assert [i.message for i in fast.issues] == [
        "ContentTransferEncoded must hold text only, not child elements"
    ]
    _assert_same(fast, STREAMING.validate_bytes(data))


def test_input_variants_same_on_both_paths(sample_document: bytes, sample_status: bytes) -> None:
    from node.model import LEGACY_NAMESPACE, NAMESPACE

    variants = [
        sample_document.replace(NAMESPACE.encode(), LEGACY_NAMESPACE.encode()),
        sample_document.replace(b"edXML:Bussiness>", b"edXML:Business>"),
        sample_status.replace(b"edXML:MessageHeader>", b"edXML:Status>"),
        sample_document.replace(b"<edXML:Subject>", b"<edXML:Subject><!-- c --><?pi x?>"),
    ]
    for data in variants:
        fast = FAST.validate_bytes(data)
        assert fast.valid, fast.issues
        _assert_same(fast, STREAMING.validate_bytes(data))
