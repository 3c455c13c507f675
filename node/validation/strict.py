"""The first pass of validation: a stricter, faster-to-check variant of ``edxml.xsd``.

Derived from the packaged schema when compiled (never maintained by hand). It
accepts only what the full path accepts, in lienthong's canonical shape, and
moves into C (libxml2) what the reader and the rules would otherwise check in
Python, element by element:

- values: real calendar dates and timestamps (year 0001-9999, leap years),
  known status codes (domain §3), BussinessDocType and Priority 0..3;
- structure: at least one ``To``; exactly one ``DocumentId``, right after the
  last ``To`` (the canonical position; the end position is left to the full
  path); a status has ``ResponseFor``;
- ContentIds are printable ASCII without spaces, so that the manifest check
  of :mod:`node.validation.precheck` compares them as the rules do (the rules
  normalise to NFC; identity constraints in the schema would cost more than
  that check);
- speed: attachment contents are ``xs:string``, not ``xs:base64Binary``.
  libxml2 decodes every base64Binary value to check it, which costs more than
  all the rest (about 5 ms of a 1 MB document's 5.5 ms); lienthong's own base64
  check (:mod:`node.edxml.base64content`), stricter than libxml2's, runs on
  every attachment anyway (:mod:`node.validation.precheck`).

What is left (DocumentId form and sender, the manifest, base64) is
:func:`precheck.clean`'s.
A document failing any of it takes the full path (packaged schema, translated
error log, reader, rules), whose verdict and messages are the reference.
"""

from __future__ import annotations

from lxml import etree

from node.model import BusinessDocType, StatusCode
from schemas import COMPILE_LOCK, read_edxml_xsd

XS_NS = "http://www.w3.org/2001/XMLSchema"
_XS = "{" + XS_NS + "}"

_YEAR = "([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
DATE_PATTERN = (
    f"({_YEAR}/(0[1-9]|1[0-2])/(0[1-9]|1[0-9]|2[0-8])"
    f"|{_YEAR}/(0[13-9]|1[0-2])/(29|30)"
    f"|{_YEAR}/(0[13578]|1[02])/31"
    f"|{_LEAP_YEAR}/02/29)"
)
"""yyyy/MM/dd, real calendar days only (what :func:`node.edxml.values.parse_date` accepts)."""
TIMESTAMP_PATTERN = DATE_PATTERN + " ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
STATUS_CODE_PATTERN = "|".join(code.value for code in StatusCode)
CONTENT_ID_PATTERN = "[!-~]+"


class _Xsd:
    """Edits on the schema tree; each must find what it edits, or derivation fails."""

    def __init__(self, document: etree._ElementTree) -> None:
        self.root = document.getroot()

    def _named(self, kind: str, name: str) -> etree._Element:
        for el in self.root.iterchildren(_XS + kind):
            if el.get("name") == name:
                return el
        raise RuntimeError(f"edxml.xsd: no {kind} {name!r} to derive the strict schema from")

    def elements(self, type_name: str, element: str) -> list[etree._Element]:
        found = [
            el
            for el in self._named("complexType", type_name).iter(_XS + "element")
            if el.get("name") == element
        ]
        if not found:
            raise RuntimeError(f"edxml.xsd: {type_name} has no element {element!r}")
        return found

    def set_pattern(self, simple_type: str, pattern: str) -> None:
        restriction = self._named("simpleType", simple_type).find(_XS + "restriction")
        facets = [] if restriction is None else restriction.findall(_XS + "pattern")
        if restriction is None or len(facets) != 1:
            raise RuntimeError(f"edxml.xsd: {simple_type} has not one pattern to tighten")
        facets[0].set("value", pattern)

    def set_base(self, simple_type: str, old: str, new: str) -> None:
        restriction = self._named("simpleType", simple_type).find(_XS + "restriction")
        if restriction is None or restriction.get("base") != old:
            raise RuntimeError(f"edxml.xsd: {simple_type} is not a restriction of {old}")
        restriction.set("base", new)

    def add_simple_type(self, name: str, base: str, facets: dict[str, str]) -> None:
        simple = etree.SubElement(self.root, _XS + "simpleType", name=name)
        restriction = etree.SubElement(simple, _XS + "restriction", base=base)
        for facet, value in facets.items():
            etree.SubElement(restriction, _XS + facet, value=value)


def derive_strict_xsd() -> etree._ElementTree:
    """``edxml.xsd`` edited as the module doc says."""
    document = read_edxml_xsd()
    xsd = _Xsd(document)
    xsd.set_base("Base64ContentType", "xs:base64Binary", "xs:string")
    xsd.set_pattern("DateType", DATE_PATTERN)
    xsd.set_pattern("TimestampType", TIMESTAMP_PATTERN)
    xsd.set_pattern("StatusCodeType", STATUS_CODE_PATTERN)
    low, high = min(BusinessDocType), max(BusinessDocType)
    xsd.add_simple_type(
        "StrictSmallCode",
        "xs:integer",
        {"minInclusive": str(int(low)), "maxInclusive": str(int(high))},
    )
    xsd.add_simple_type("StrictContentId", "ed:IdentifierType", {"pattern": CONTENT_ID_PATTERN})
    for el in xsd.elements("BusinessType", "BussinessDocType"):
        el.set("type", "ed:StrictSmallCode")
    for el in xsd.elements("OtherInfoType", "Priority"):
        el.set("type", "ed:StrictSmallCode")  # the rules' range for Priority is 0..3 too
    for type_name in ("ReferenceType", "AttachmentType"):
        for el in xsd.elements(type_name, "ContentId"):
            el.set("type", "ed:StrictContentId")
    (to,) = xsd.elements("MessageHeaderType", "To")
    to.set("minOccurs", "1")
    first_id, last_id = xsd.elements("MessageHeaderType", "DocumentId")
    first_id.set("minOccurs", "1")
    parent = last_id.getparent()
    assert parent is not None
    parent.remove(last_id)
    for el in xsd.elements("StatusType", "ResponseFor"):
        el.set("minOccurs", "1")
    return document


def load_strict_schema() -> etree.XMLSchema:
    """Compile the strict variant (one per thread, like the packaged schema)."""
    with COMPILE_LOCK:
        return etree.XMLSchema(derive_strict_xsd())
