"""The log's second line of defence: a secret that reaches a log record anyway
(message, argument, extra field, traceback) is redacted before it is written."""

from __future__ import annotations

import io
import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.logs import (
    REDACTED,
    JsonFormatter,
    RedactSecrets,
    TextFormatter,
    redact,
    redact_always,
)

TOKEN = "lt_" + "Ab3_-" * 9


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"Invalid HTTP header: b'Authorization: Bearer {TOKEN}'", TOKEN),
        ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("{'Authorization': 'Bearer abc.def-ghi'}", "abc.def-ghi"),
        ('{"XroadVnpt-Hash": "9f86d081884c7d65"}', "9f86d081884c7d65"),
        ("XroadVnpt-Secret: hunter2-hunter2", "hunter2-hunter2"),
        ("GET /x?token=s3cr3t&y=1", "s3cr3t"),
        ("password=correct-horse", "correct-horse"),
        (f"bare {TOKEN} in prose", TOKEN),
        ("Cookie: session=abcdef123", "abcdef123"),
    ],
)
def test_secrets_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "accepted message 01a23ab4b16a0123456789abcdef for 000.00.00.G22",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "peer g22 may not deliver messages from 000.00.00.H41",
    ],
)
def test_ordinary_log_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_a_token_never_survives_whatever_surrounds_it(noise: str) -> None:
    assert TOKEN not in redact(f"{noise}{TOKEN}{noise}") or TOKEN in noise


_PIECES = st.sampled_from(
    [
        "Authorization",
        "PROXY-authorization",
        "Cookie",
        "x-API-key",
        "XroadVnpt-Hash",
        "token",
        "Secret",
        "PASSWORD",
        "passwd",
        "pin",
        "api_key",
        "apikey",
        "Bearer",
        "basic",
        "lt_",
        "Ab3_-Ab3_-Ab3_-Ab3_-",
        ": ",
        "=",
        "'",
        '"',
        " ",
        ",",
        "}",
        "/api/v1/documents",
        "\u017fecret",  # long s: matches "s" case-insensitively
    ]
)


@given(st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=12).map("".join))
def test_the_quick_test_never_skips_a_secret(text: str) -> None:
    assert redact(text) == redact_always(text)


def _record(msg: str, *args: object, exc: BaseException | None = None, **extra: object):  # type: ignore[no-untyped-def]
    record = logging.LogRecord("lienthong.x", logging.WARNING, __file__, 1, msg, args, None)
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()])
def test_the_filter_cleans_arguments_extras_and_tracebacks(formatter: logging.Formatter) -> None:
    try:
        raise ValueError(f"header Authorization: Bearer {TOKEN}")
    except ValueError as caught:
        exc = caught
    record = _record("bad header %r", f"Bearer {TOKEN}", exc=exc, header=f"Bearer {TOKEN}")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactSecrets())

    handler.handle(record)

    written = stream.getvalue()
    assert TOKEN not in written
    assert "ValueError" in written  # the traceback is still there, minus the secret
    if isinstance(formatter, JsonFormatter):
        entry = json.loads(written)
        assert entry["header"] == f"Bearer {REDACTED}"
