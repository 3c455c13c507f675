"""The public validation API: reports, files, raise_for_issues, threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from node.errors import ValidationFailed
from node.model import MessageKind
from node.validation import ValidationReport, validate_bytes, validate_file
from tests.unit.validation.edits import set_text


def test_valid_report(sample_document: bytes) -> None:
    report = validate_bytes(sample_document)
    assert report.valid
    assert report.kind is MessageKind.DOCUMENT
    assert report.issues == ()
    assert report.envelope is not None
    report.raise_for_issues()


def test_invalid_report_raises_with_issues(sample_status: bytes) -> None:
    report = validate_bytes(set_text(sample_status, "StatusCode", "77"))
    assert not report.valid
    assert report.kind is MessageKind.STATUS
    assert report.envelope is None
    with pytest.raises(ValidationFailed) as caught:
        report.raise_for_issues()
    assert caught.value.issues == report.issues
    assert caught.value.kind == "validation-failed"


def test_report_is_frozen(sample_status: bytes) -> None:
    report = validate_bytes(sample_status)
    with pytest.raises(AttributeError):
        report.issues = ()  # type: ignore[misc]
    assert isinstance(report, ValidationReport)


def test_validate_file(sample_status: bytes, tmp_path: Path) -> None:
    path = tmp_path / "status.edxml"
    path.write_bytes(sample_status)
    assert validate_file(path) == validate_bytes(sample_status)


def test_validate_file_missing(tmp_path: Path) -> None:
    with pytest.raises(OSError):  # noqa: PT011 - any OSError: the caller reports it
        validate_file(tmp_path / "nope.edxml")


def test_concurrent_validation_keeps_reports_apart(
    sample_document: bytes, sample_status: bytes
) -> None:
    bad = set_text(sample_status, "StatusCode", "77")
    inputs = [sample_document, bad, sample_status] * 30

    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(validate_bytes, inputs))
    for data, report in zip(inputs, reports, strict=True):
        assert report.valid is (data is not bad)


def test_validate_file_refuses_non_regular_files() -> None:
    with pytest.raises(OSError, match="not a regular file"):
        validate_file(Path("/dev/zero"))
