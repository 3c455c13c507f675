"""Structured logs: one JSON object per line (or plain text), with the
context fields handlers attach (``message_id``, ``document_id``, ``peer``…).

Configured once by ``lienthong serve``; library code only calls
``logging.getLogger("lienthong.<part>")`` and passes ``extra={...}``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

_STANDARD = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}


def context_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The ``extra={...}`` fields of a record (computed once per record: the
    redaction filter leaves them on it for the formatter)."""
    known: dict[str, Any] | None = record.__dict__.get(_FIELDS)
    if known is not None:
        return known
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


_FIELDS = "_lienthong_fields"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(context_fields(record))
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = context_fields(record)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in sorted(fields.items()))
        return line


def configure_logging(
    level: str = "info", fmt: str = "json", stream: IO[str] | None = None
) -> None:
    """Route every ``lienthong.*`` and ``aiohttp.*`` record to ``stream`` (stderr)."""
    # Nothing the formatters write needs the caller's frame, thread or process
    # names: skip collecting them for every record (the logging HOWTO's
    # "Optimization" section).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())


REDACTED = "[redacted]"

# A second line of defence: code never logs a header value, a token or a
# secret; should one slip into a message, an argument, an extra field or a
# traceback anyway, these patterns take it out before it is written.
_SECRET_PATTERNS = (
    # Authorization / Proxy-Authorization and Cookie headers, as "Name: value",
    # "Name=value" or a JSON/dict item "'Name': 'value'": the whole value
    re.compile(
        r"(?i)((?:proxy-)?authorization|cookie|x-api-key)(['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n,}]+"
    ),
    # the national SDK's signed headers (XroadVnpt-*): HMAC, secret, ids
    re.compile(r"(?i)(xroadvnpt-[a-z0-9_-]+)(['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n,}]+"),
    # key=value forms of secrets (query strings, reprs, environment dumps)
    re.compile(
        r"(?i)\b(token|secret|password|passwd|pin|api[_-]?key)(['\"]?\s*[:=]\s*['\"]?)"
        r"[^'\"\s,&}]+"
    ),
)
# bare credentials: "Bearer x", "Basic x", and lienthong's own tokens (lt_...)
_BARE_SECRETS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"lt_[A-Za-z0-9_-]{16,}"),
)


# Every pattern above needs one of these words (in any case): ASCII text without
# any of them (most log text: ids, paths, states) has nothing to redact, which a
# few substring tests tell much faster than the five substitutions. (Text with
# other characters always goes through the patterns: Unicode case-insensitive
# matching knows equivalences that str.lower does not.)
_SECRET_WORDS = (
    "authorization",
    "cookie",
    "x-api-key",
    "xroadvnpt-",
    "token",
    "secret",
    "passw",
    "pin",
    "api_key",
    "api-key",
    "apikey",
    "bearer",
    "basic",
    "lt_",
)
_ANY_SECRET_WORD = re.compile("|".join(map(re.escape, _SECRET_WORDS)))
"""The words as one pattern: one C call per text, not a generator step per word."""


def may_hold_secret(text: str) -> bool:
    """False when ``text`` cannot match any of the redaction patterns."""
    if not text.isascii():
        return True
    return _ANY_SECRET_WORD.search(text.lower()) is not None


def redact(text: str) -> str:
    """``text`` without header values, tokens or secrets (see ``_SECRET_PATTERNS``)."""
    return redact_always(text) if may_hold_secret(text) else text


def redact_always(text: str) -> str:
    """:func:`redact` without the quick test (tests compare the two)."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _BARE_SECRETS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _BARE_SECRETS[1].sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """A handler filter: every record leaves with its secrets redacted.

    The message is rendered and redacted (its arguments dropped), string
    ``extra`` fields are redacted, and a traceback is rendered into
    ``exc_text`` and redacted (the formatters print ``exc_text`` first).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)  # redact() tests each text quickly first
        fields = context_fields(record)
        for key, value in fields.items():
            if isinstance(value, str):
                fields[key] = redact(value)
                setattr(record, key, fields[key])
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        record.__dict__[_FIELDS] = fields
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
