"""The node's log as a test reads it: the real formatter and redaction filter,
written to a string, the root logger restored afterwards."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from node.logs import configure_logging


@contextmanager
def node_log(level: str) -> Iterator[io.StringIO]:
    """JSON log lines at ``level`` and above, as ``lienthong serve`` writes them."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging(level, "json", stream)
    try:
        yield stream
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
