"""edXML: canonical bytes ↔ :class:`node.model.Envelope`.

``build`` writes the canonical form (see :mod:`node.edxml.writer`); reading
validates first, so ``parse`` lives a floor up, in :mod:`node.validation`
(which builds on this package).
"""

from __future__ import annotations

from node.edxml.writer import build

__all__ = ["build"]
