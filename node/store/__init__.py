"""Durable storage of messages, deliveries, inboxes, status history and the
audit log. :func:`store_from_url` picks the engine from ``storage.url``:

- ``sqlite:///abs/path/node.db`` (or ``sqlite://relative/node.db``, resolved
  against ``base_dir``): the default engine, blobs under ``<db dir>/blobs/``;
  ``sqlite://:memory:`` keeps database and blobs in this process (unit tests);
- ``postgresql://user@host:port/db[?schema=name]`` (or ``postgres://``): the
  shared engine; ``schema`` (created if missing) keeps several nodes or test
  runs apart in one database.

Call ``await store.open()`` before use (it applies migrations) and
``await store.close()`` at the end.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from node.errors import ConfigError
from node.store.port import Store
from node.store.records import NewMessage, Source, new_id

__all__ = ["NewMessage", "Source", "Store", "new_id", "store_from_url"]


def store_from_url(url: str, *, base_dir: Path | None = None) -> Store:
    """Build (not open) the store for ``url``. Raises ConfigError for a bad URL."""
    if url.startswith("sqlite://"):
        return _sqlite(url, base_dir)
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres(url)
    scheme = url.split(":", 1)[0] if ":" in url else url
    raise ConfigError(
        f"unsupported storage URL scheme {scheme!r}: use sqlite:///path/node.db "
        "or postgresql://user@host/db"
    )


def _sqlite(url: str, base_dir: Path | None) -> Store:
    from node.store.sqlite import SqliteStore

    rest = url[len("sqlite://") :]
    if rest == ":memory:":
        return SqliteStore(Path(rest))
    if "?" in rest or "#" in rest:
        raise ConfigError(f"SQLite URL {url!r} takes no query or fragment")
    if not rest or rest.endswith("/"):
        raise ConfigError(
            f"SQLite URL {url!r} needs a database file, e.g. sqlite:///var/lib/lienthong/node.db"
        )
    if rest.startswith("//"):  # sqlite:////abs/path is absolute too
        rest = "/" + rest.lstrip("/")
    path = Path(rest)
    if not path.is_absolute():
        path = (base_dir or Path.cwd()) / path
    return SqliteStore(path)


def _postgres(url: str) -> Store:
    from node.store.postgres import PostgresStore

    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a non-numeric port
    except ValueError as exc:
        raise ConfigError(f"bad PostgreSQL URL: {exc}") from exc
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = [(k, v) for k, v in query if k != "schema"]
    dsn = urlunsplit(parts._replace(query=urlencode(rest)))
    if schema is not None and not schema:
        raise ConfigError("the schema parameter of a PostgreSQL URL must not be empty")
    return PostgresStore(dsn, schema=schema)
