"""lxml/libxml2 XSD failures → readable :class:`node.errors.Issue` s.

Runs only when a message is invalid, so it may be slow-ish. Each libxml2 entry
is located on its element (line and edXML path) and its message rewritten
without namespace noise; value errors of lienthong's own simple types reuse
the wording of the rule functions (organ ids, dates), so a problem reads the
same whichever layer catches it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from lxml import etree

from node.edxml.names import CONTENT_TRANSFER_ENCODED, local_name
from node.edxml.reader import text_of
from node.edxml.values import date_problem, timestamp_problem
from node.errors import Issue
from node.model import NAMESPACE
from node.organ import organ_id_problem
from node.validation.paths import Locator

_ENTRY = re.compile(
    r"Element '(?P<el>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: (?P<rest>.*)", re.S
)
_ATOMIC = re.compile(
    r"'(?P<value>.*)' is not a valid value of the (?:local )?(?:atomic|union|list) type"
    r"(?: '(?P<type>[^']+)')?\.",
    re.S,
)
_EXPECTED = re.compile(r"Expected is(?: one of)? \( (?P<names>.*) \)\.", re.S)
_OWN_NS = "{" + NAMESPACE + "}"


def _readable_names(text: str) -> str:
    return text.replace(_OWN_NS, "")


def _expected(rest: str) -> str:
    match = _EXPECTED.search(rest)
    if match is None:
        return ""
    names = [n.strip() for n in _readable_names(match["names"]).split(",")]
    names = ["an element of another namespace" if n.startswith("##other") else n for n in names]
    if len(names) == 1:
        return names[0]
    return "one of " + ", ".join(names)


_FACET = re.compile(r"\[facet '(?P<facet>\w+)'\]")
_LIMIT = re.compile(r"allowed (?:minimum|maximum) length of '(?P<n>\d+)'")
_SHAPE_RULES: dict[str, Callable[[str], str | None]] = {
    "OrganId": organ_id_problem,
    "PromulgationDate": date_problem,
    "DueDate": date_problem,
    "Timestamp": timestamp_problem,
}


def _value_message(element: str, value: str, type_name: str | None) -> str:
    """A bad simple value; worded by element for lienthong's shapes, so the facet
    error and the type error libxml2 reports for one value read the same."""
    rule = _SHAPE_RULES.get(element)
    if rule is not None:
        return rule(value.strip()) or f"{value!r} is not a valid {element}"
    if element == "StatusCode":
        return f"status code must be two digits, got {value!r}"
    name = _readable_names(type_name or "")
    if name == "xs:integer":
        return f"must be an integer, got {value!r}"
    if name == "xs:boolean":
        return f"must be true or false (or 1 or 0), got {value!r}"
    if name == "IdentifierType" and not value.strip():
        return "must not be empty"
    return f"{value!r} is not a valid value of type {name or 'this element'}"


def _facet_message(element: str, rest: str, value: str) -> str:
    if element in _SHAPE_RULES or element == "StatusCode":
        return _value_message(element, value, None)
    facet = _FACET.match(rest)
    kind = facet["facet"] if facet else ""
    if kind == "minLength" and not value.strip():
        return "must not be empty"
    limit = _LIMIT.search(rest)
    if kind == "maxLength" and limit:
        return f"is longer than {limit['n']} characters"
    return _readable_names(rest.strip())


def _message(element: str, attribute: str | None, rest: str, value: str) -> str:
    """``value`` is the element's text (libxml2 leaves it out of some messages)."""
    name = local_name(element) if element.startswith(_OWN_NS) else element
    if attribute is not None:
        if "is not allowed" in rest:
            return f"attribute {attribute!r} is not allowed on {name}"
        return f"attribute {attribute!r}: {_readable_names(rest)}"
    if rest.startswith("This element is not expected."):
        expected = _expected(rest)
        return f"element {name} is not allowed here" + (
            f"; expected {expected}" if expected else ""
        )
    if rest.startswith("Missing child element(s)."):
        return f"missing child element {_expected(rest)}"
    if rest.startswith("[facet "):
        return _facet_message(name, rest, value)
    atomic = _ATOMIC.match(rest)
    if atomic is not None:
        return _value_message(name, value, atomic["type"])
    if rest.startswith("Character content other than whitespace is not allowed"):
        return f"text is not allowed directly in {name} (only child elements)"
    if rest.startswith("Element content is not allowed"):
        return f"{name} must hold text only, not child elements"
    if rest.startswith("No matching global declaration available for the validation root"):
        return f"the root element must be edXML in namespace {NAMESPACE}, not {name}"
    return _readable_names(rest.strip())


def translate(
    root: etree._Element, log: Iterable[etree._LogEntry], locator: Locator
) -> tuple[list[Issue], bool]:
    """Issues for an XSD error log, and whether base64 errors on attachment
    contents were left out (the strict base64 check reports those)."""
    issues: list[Issue] = []
    seen: set[Issue] = set()
    skipped_base64 = False
    for entry in log:
        match = _ENTRY.match(entry.message or "")
        rest = match["rest"] if match else (entry.message or "")
        el = locator.find_libxml2_path(root, entry.path)
        if el is not None and el.tag == CONTENT_TRANSFER_ENCODED and _ATOMIC.match(rest):
            skipped_base64 = True
            continue
        if match is not None:
            value = text_of(el) if el is not None else ""
            message = _message(match["el"], match["attr"], rest, value)
        else:
            message = _readable_names(rest.strip())
        if el is not None:
            issue = Issue(locator.line(el), locator.path(el), message)
        else:
            issue = Issue(entry.line or None, "/", message)
        if issue not in seen:
            seen.add(issue)
            issues.append(issue)
    return issues, skipped_base64
