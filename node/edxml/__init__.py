"""edXML: canonical bytes ↔ :class:`node.model.Envelope`.

``parse`` validates (XSD + business rules, :mod:`node.validation`) and returns
the Envelope, raising :class:`node.errors.ValidationFailed`,
:class:`node.errors.UnsafeXml` or :class:`node.errors.MalformedXml`;
``build`` writes the canonical form (see :mod:`node.edxml.writer`).
"""

from __future__ import annotations

from node.edxml.writer import build
from node.model import Envelope

__all__ = ["build", "parse"]


def parse(data: bytes) -> Envelope:
    from node.validation import validate_bytes  # validation builds on this package

    report = validate_bytes(data)
    report.raise_for_issues()
    assert report.envelope is not None
    return report.envelope
