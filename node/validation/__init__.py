"""edXML validation: XSD + business rules → :class:`ValidationReport`.

``validate_bytes`` / ``validate_file`` use one shared :class:`Validator`, built
on first use (never at import). Keep your own ``Validator()`` to choose the
streaming threshold. ``parse`` validates and returns the Envelope, raising
:class:`node.errors.ValidationFailed`, :class:`node.errors.UnsafeXml` or
:class:`node.errors.MalformedXml`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from node.model import Envelope
from node.validation.validator import STREAM_THRESHOLD, ValidationReport, Validator

__all__ = [
    "STREAM_THRESHOLD",
    "ValidationReport",
    "Validator",
    "default_validator",
    "parse",
    "valid_envelope_of_file",
    "validate_bytes",
    "validate_file",
]


@functools.cache
def default_validator() -> Validator:
    return Validator()


def validate_bytes(data: bytes) -> ValidationReport:
    """Validate one edXML message held in memory (large ones are streamed anyway)."""
    return default_validator().validate_bytes(data)


def validate_file(path: Path) -> ValidationReport:
    """Validate one edXML file; files above the threshold are streamed, and their
    attachments come back with ``content=None`` plus ``size`` and ``sha256``."""
    return default_validator().validate_file(path)


def valid_envelope_of_file(path: str) -> Envelope:
    """The Envelope of a valid edXML file, or the error that refuses it
    (ValidationFailed, MalformedXml, UnsafeXml): what node.offload's worker
    process answers for a big message."""
    report = validate_file(Path(path))
    report.raise_for_issues()
    envelope = report.envelope
    assert envelope is not None  # a valid report always carries one
    return envelope


def parse(data: bytes) -> Envelope:
    """The Envelope of valid edXML bytes (:func:`node.edxml.build`'s inverse)."""
    report = validate_bytes(data)
    report.raise_for_issues()
    assert report.envelope is not None
    return report.envelope
