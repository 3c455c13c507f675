"""`lienthong admin audit` says each fact once: intact with its entry count, or
broken with where and why."""

from __future__ import annotations

from node.app.cli.admin import _human


def test_intact_chain_is_one_line_without_repetition() -> None:
    check = {
        "entries": 12,
        "intact": True,
        "first_bad_entry": None,
        "detail": "12 entries, chain intact",
    }
    line = _human("audit", check)
    assert line == "audit log: 12 entries, hash chain intact"
    assert line.count("12") == 1
    assert line.count("intact") == 1
    one = {"entries": 1, "intact": True, "first_bad_entry": None, "detail": ""}
    assert _human("audit", one) == "audit log: 1 entry, hash chain intact"


def test_broken_chain_says_where_and_why() -> None:
    check = {"entries": 12, "intact": False, "first_bad_entry": 5, "detail": "entry 5 was altered"}
    assert _human("audit", check) == (
        "audit log: BROKEN at entry 5: entry 5 was altered (12 entries checked)"
    )
