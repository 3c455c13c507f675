"""XSDs shipped as package data, and their loader.

``edxml.xsd`` describes edXML documents and status messages (domain §1-4) in the
namespace lienthong emits; ``xmldsig-signature.xsd`` is the minimal XML-DSig
declaration it imports. Nothing is read or compiled at import time: call
:func:`load_edxml_schema` and keep the returned object.

A compiled :class:`lxml.etree.XMLSchema` keeps the errors of its last run on the
object itself, so one instance must not validate in two threads at once; use
one :class:`EdxmlSchema` per thread (compiling takes a few milliseconds).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lxml import etree

EDXML_XSD = "edxml.xsd"
SAMPLE_DOCUMENT = "samples/document.edxml"
SAMPLE_STATUS = "samples/status.edxml"

COMPILE_LOCK = threading.RLock()
"""Held while an XSD is read and compiled: one compilation at a time per process."""


@dataclass(frozen=True)
class EdxmlSchema:
    """The compiled edXML schema and where it came from."""

    path: Path
    xmlschema: etree.XMLSchema


def schema_path(name: str = EDXML_XSD) -> Path:
    """Filesystem path of a file shipped in this package (XSDs, samples)."""
    return Path(str(resources.files(__name__).joinpath(name)))


def read_edxml_xsd() -> etree._ElementTree:
    """``edxml.xsd`` as a tree (its import resolves next to it), to compile or derive from."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.parse(str(schema_path()), parser=parser)


def load_edxml_schema() -> EdxmlSchema:
    """Read and compile ``edxml.xsd`` (and its import) from the package data."""
    with COMPILE_LOCK:
        return EdxmlSchema(path=schema_path(), xmlschema=etree.XMLSchema(read_edxml_xsd()))
