"""TEMPORARY bridge to the edXML core (``node.edxml.build``,
``node.validation.validate_file``) until the core branch is merged: then import
those directly and delete this module and ``_standin.py``."""

from __future__ import annotations

from node.engine._standin import ValidationReport, build, validate_file

__all__ = ["ValidationReport", "build", "validate_file"]
