"""Query-string and header parameters, checked with specific errors: every
problem is collected and answered at once as a 400 with an ``errors`` list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from node.errors import BadRequest, Issue
from node.organ import organ_id_problem

MAX_PAGE = 500
DEFAULT_PAGE = 50


class Params:
    """Reads parameters from ``source``, gathering issues; call :meth:`done`."""

    def __init__(self, source: Mapping[str, str], where: str = "query") -> None:
        self._source = source
        self._where = where
        self._known: set[str] = set()
        self.issues: list[Issue] = []

    def _get(self, name: str) -> str | None:
        self._known.add(name)
        return self._source.get(name)

    def _fail(self, name: str, message: str) -> None:
        self.issues.append(Issue(None, f"{self._where}.{name}", message))

    def limit(self, name: str = "limit", default: int = DEFAULT_PAGE) -> int:
        raw = self._get(name)
        if raw is None:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
            self._fail(name, f"must be an integer from 1 to {MAX_PAGE}")
            return default
        return int(raw)

    def text(self, name: str, *, max_length: int = 512) -> str | None:
        """Visible ASCII only (cursors, keys): 1 to ``max_length`` characters."""
        raw = self._get(name)
        if raw is None:
            return None
        if not re.fullmatch(f"[\\x21-\\x7e]{{1,{max_length}}}", raw):
            self._fail(name, f"must be 1 to {max_length} visible ASCII characters")
            return None
        return raw

    def organ(self, name: str = "organ") -> str | None:
        raw = self._get(name)
        if raw is None:
            return None
        problem = organ_id_problem(raw)
        if problem:
            self._fail(name, problem)
            return None
        return raw

    def instant(self, name: str) -> datetime | None:
        raw = self._get(name)
        if raw is None:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            self._fail(name, "must be an ISO 8601 timestamp with a UTC offset")
            return None
        return value

    def day(self, name: str, *, required: bool = False) -> date | None:
        """A calendar date written YYYY-MM-DD."""
        raw = self._get(name)
        if raw is None:
            if required:
                self._fail(name, "required: a date like 2026-11-01")
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self._fail(name, "must be a date like 2026-11-01")
            return None

    def token(self, name: str, pattern: str, message: str) -> str | None:
        raw = self._get(name)
        if raw is None:
            return None
        if not re.fullmatch(pattern, raw):
            self._fail(name, message)
            return None
        return raw

    def done(self, detail: str = "invalid request parameters") -> None:
        """Raise BadRequest listing every problem; for the query string, an
        unknown parameter is one too (a typo must not be silently ignored)."""
        if self._where == "query":
            for name in sorted(set(self._source) - self._known):
                self._fail(name, "unknown parameter")
        if self.issues:
            raise BadRequest(detail, self.issues)
