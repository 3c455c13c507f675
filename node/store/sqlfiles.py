"""Named SQL per dialect (procrastinate style) and versioned migrations, read
from package data: ``sql/<dialect>.sql`` holds ``-- name: <query>`` blocks,
``migrations/<dialect>/NNNN_<what>.sql`` one migration each. Both dialects
name their parameters ``:name``; a query that is only comments is ``""``, a
no-op in that dialect (connectors skip it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)
_MIGRATION = re.compile(r"^(\d{4})_(\w+)\.sql$")


def load_queries(dialect: str) -> dict[str, str]:
    text = resources.files("node.store").joinpath("sql", f"{dialect}.sql").read_text("utf-8")
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice in {dialect}.sql")
        sql = body.strip().rstrip(";")
        code = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
        queries[name] = sql if any(line.strip() for line in code) else ""
    return queries


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: str) -> tuple[Migration, ...]:
    folder = resources.files("node.store").joinpath("migrations", dialect)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise ValueError(f"{dialect} migrations must be numbered 0001, 0002, ...: {versions}")
    return tuple(found)
