"""The directory answer parser and the copy's file: whatever the axis answers
or the disk holds, a list of entries or one specific error, never another
exception escaping (hypothesis)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.transport.vdxp_client import AGENCY_FIELDS, Agency, BadDirectory, parse_agencies
from adapters.transport.vdxp_directory import (
    DIRECTORY_CALLS,
    DirectoryCopy,
    read_copy,
    write_copy,
)
from node.config.fields import DIRECTORY_CALLS as CONFIG_CALLS

CALLS = st.sampled_from(sorted(AGENCY_FIELDS))
FIELD_NAMES = sorted({k for fields in AGENCY_FIELDS.values() for k in fields} | {"x", ""})
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=5), inner, max_size=6)
    ),
    max_leaves=30,
)
ENTRIES = st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=12)
ANSWERS = st.dictionaries(
    st.sampled_from(["status", "ErrorCode", "data", "x"]),
    JSON_VALUES | st.lists(ENTRIES | JSON_VALUES, max_size=6),
    max_size=4,
)


def ok(data: object) -> dict[str, object]:
    return {"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "data": data}


@settings(max_examples=200, deadline=None)
@given(CALLS, ANSWERS)
def test_any_answer_is_entries_or_bad_directory(call: str, answer: dict[str, object]) -> None:
    try:
        entries = parse_agencies(call, answer)
    except BadDirectory as exc:
        refused = str(exc)
    else:
        refused = ""
    if refused:
        assert refused.startswith(call)
        return
    assert all(isinstance(e, Agency) and e.code for e in entries)
    assert isinstance(answer["data"], list)
    assert len(entries) <= len(answer["data"])


@settings(max_examples=200, deadline=None)
@given(CALLS, st.lists(ENTRIES, max_size=5))
def test_entries_of_primitives_are_read_whole(call: str, raw: list[dict[str, object]]) -> None:
    """Only strings and integers in the fields: nothing is refused or lost
    except an entry without a code."""
    clean = [
        {
            k: v if isinstance(v, str) else 1
            for k, v in e.items()
            if not (k == "version" and isinstance(v, str))
        }
        for e in raw
    ]
    entries = parse_agencies(call, ok(clean))
    assert [e.code for e in entries] == [str(e["code"]) for e in clean if e.get("code")]


def test_the_sdk_conversions() -> None:
    (unit,) = parse_agencies(
        "getSynchronizeUnit",
        ok(
            [
                {
                    "code": 123,
                    "name": True,
                    "version": "5",
                    "deleted": "TRUE",
                    "isAgency": False,
                    "mail": None,
                    "oldCode": {"ignored": "not read by this call"},
                }
            ]
        ),
    )
    assert (unit.code, unit.name, unit.version, unit.deleted, unit.is_agency, unit.mail) == (
        "123",
        "true",
        5,
        True,
        False,
        "",
    )
    assert parse_agencies("getAgenciesList", ok([{"name": "no code"}, {"code": ""}])) == []


@pytest.mark.parametrize(
    ("call", "data", "message"),
    [
        ("getAgenciesList", None, "data is missing"),
        ("getAgenciesList", {"code": "x"}, "data is an object"),
        ("getAgenciesListQD20", ["x"], r"data\[0\] is a string"),
        ("getAgenciesListQD20", [{"code": "a", "code102": ["b"]}], r"data\[0\]\.code102"),
        ("getSynchronizeUnit", [{"code": "a", "version": "v2"}], "is not an integer"),
        ("getSynchronizeUnit", [{"code": "a", "version": True}], "boolean"),
    ],
)
def test_what_the_sdk_cannot_read_is_refused_whole(call: str, data: object, message: str) -> None:
    with pytest.raises(BadDirectory, match=message):
        parse_agencies(call, ok(data) if data is not None else {"status": "OK"})


def test_the_config_offers_exactly_the_client_calls() -> None:
    assert DIRECTORY_CALLS == CONFIG_CALLS


def test_a_copy_round_trips_through_its_file(tmp_path: Path) -> None:
    path = tmp_path / "directory" / "national.json"
    at = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    copy = DirectoryCopy(
        "national",
        "getSynchronizeUnit",
        (Agency("000.00.00.H22", name="Tỉnh H22", version=3, is_agency=True, deleted=True),),
        synced_at=at,
        last_attempt_at=at,
        last_error="x",
        consecutive_failures=2,
    )
    write_copy(path, copy)
    assert read_copy(path, "national", "getSynchronizeUnit") == copy
    assert not copy.knows("000.00.00.H22"), "a deleted entry is not known"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_any_file_content_reads_as_a_copy(content: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "national.json"
        path.write_bytes(content)
        copy = read_copy(path, "national", "getAgenciesList")
    assert isinstance(copy, DirectoryCopy)


def test_a_broken_file_is_an_empty_copy_that_says_why(tmp_path: Path) -> None:
    path = tmp_path / "national.json"
    path.write_text('{"format": 1, "entries": [')
    copy = read_copy(path, "national", "getAgenciesList")
    assert copy.entries == ()
    assert copy.last_error
    assert "not a directory copy" in copy.last_error
    assert read_copy(tmp_path / "absent.json", "national", "getAgenciesList").last_error is None
