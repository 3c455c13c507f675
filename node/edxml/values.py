"""Lexical forms of edXML values (domain §1): dates, timestamps, DocumentId, integers.

``*_problem`` functions say why a text is not acceptable (or None); the parse
functions assume a text that passed them. Shared by the validator (messages),
the reader (parse) and the writer (format), so the three agree.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from node.model import VN_TZ
from node.organ import organ_id_problem

DATE_FORMAT = "yyyy/MM/dd"
TIMESTAMP_FORMAT = "yyyy/MM/dd HH:mm:ss"
DOCUMENT_ID_FORMAT = "{sender OrganId},{yyyy/MM/dd},{CodeNumber}/{CodeNotation}"

_DATE = re.compile(r"(\d{4})/(\d{2})/(\d{2})")
_TIMESTAMP = re.compile(r"(\d{4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})")


def date_problem(text: str) -> str | None:
    match = _DATE.fullmatch(text)
    if match is None:
        return f"{text!r} is not a date in the format {DATE_FORMAT}"
    try:
        date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return f"{text!r} is not a real calendar date"
    return None


def parse_date(text: str) -> date:
    return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))


def format_date(value: date) -> str:
    return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"


def timestamp_problem(text: str) -> str | None:
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return f"{text!r} is not a timestamp in the format {TIMESTAMP_FORMAT}"
    try:
        y, mo, d, h, mi, s = (int(g) for g in match.groups())
        datetime(y, mo, d, h, mi, s)
    except ValueError:
        return f"{text!r} is not a real calendar date and time"
    return None


def parse_timestamp(text: str) -> datetime:
    return datetime(
        int(text[0:4]),
        int(text[5:7]),
        int(text[8:10]),
        int(text[11:13]),
        int(text[14:16]),
        int(text[17:19]),
        tzinfo=VN_TZ,
    )


def format_timestamp(value: datetime) -> str:
    """Vietnam local time, seconds precision; a naive value is taken as Vietnam time."""
    local = value.astimezone(VN_TZ) if value.tzinfo is not None else value
    return (
        f"{local.year:04d}/{local.month:02d}/{local.day:02d} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    )


def document_id_problem(text: str) -> str | None:
    """Why ``text`` is not ``{sender OrganId},{yyyy/MM/dd},{CodeNumber}/{CodeNotation}``."""
    parts = text.split(",", 2)
    if len(parts) != 3:
        return f"DocumentId {text!r} must have the form {DOCUMENT_ID_FORMAT}"
    organ, day, code = parts
    problem = organ_id_problem(organ)
    if problem is not None:
        return f"DocumentId {text!r}: {problem}"
    problem = date_problem(day)
    if problem is not None:
        return f"DocumentId {text!r}: {problem}"
    number, slash, notation = code.partition("/")
    if not slash or not number.strip() or not notation.strip():
        return (
            f"DocumentId {text!r}: the code part {code!r} must be {{CodeNumber}}/{{CodeNotation}}"
        )
    return None


def document_id_organ(text: str) -> str:
    """The sender OrganId part of a DocumentId."""
    return text.split(",", 1)[0]


def parse_integer(text: str) -> int:
    """xs:integer lexical form (the XSD already checked it)."""
    return int(text.strip())


def parse_boolean(text: str) -> bool:
    """xs:boolean lexical form: true/false/1/0."""
    return text.strip() in ("true", "1")
