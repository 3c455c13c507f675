"""Where an issue is: element paths like ``/edXML/edXMLEnvelope/.../To[2]/OrganId``
and source lines, for trees built by lxml or by the streaming reader."""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree

from node.edxml.names import Normalisation, local_name

_STEP = re.compile(r"(?:(?P<prefix>[^:\[\]/]+):)?(?P<name>[^:\[\]/]+)(?:\[(?P<index>\d+)\])?")


class Locator:
    """Turns elements into (line, path) for issues.

    ``lines`` holds true line numbers where they exceed what libxml2 can store
    on a node (65535); ``norm`` knows elements renamed by normalisation.
    """

    def __init__(
        self, norm: Normalisation, lines: Mapping[etree._Element, int] | None = None
    ) -> None:
        self._norm = norm
        self._lines = lines or {}

    def line(self, el: etree._Element) -> int | None:
        line = self._lines.get(el)
        if line is not None:
            return line
        source: int | None = getattr(el, "sourceline", None)
        return source

    def name(self, el: etree._Element) -> str:
        return self._norm.original_name(el) or local_name(el.tag)

    def path(self, el: etree._Element) -> str:
        steps: list[str] = []
        node: etree._Element | None = el
        while node is not None:
            parent = node.getparent()
            step = self.name(node)
            if parent is not None:
                same = [c for c in parent if c.tag == node.tag]
                if len(same) > 1:
                    step += f"[{same.index(node) + 1}]"
            steps.append(step)
            node = parent
        return "/" + "/".join(reversed(steps))

    def find_libxml2_path(self, root: etree._Element, path: str | None) -> etree._Element | None:
        """The element a libxml2 node path (``/*/edXML:edXMLEnvelope/...``) names."""
        if not path or not path.startswith("/"):
            return None
        node: etree._Element | None = None
        for raw in path[1:].split("/"):
            match = _STEP.fullmatch(raw)
            if match is None:
                return None
            candidates = [root] if node is None else _matching(node, match)
            index = int(match["index"] or 1) - 1
            if index >= len(candidates):
                return None
            node = candidates[index]
        return node


def _matching(parent: etree._Element, step: re.Match[str]) -> list[etree._Element]:
    elements = [c for c in parent if isinstance(c.tag, str)]
    if step["name"] == "*":
        return elements
    prefix, name = step["prefix"], step["name"]
    return [c for c in elements if local_name(c.tag) == name and c.prefix == prefix]
