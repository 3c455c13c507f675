"""CLI tables: aligned columns, nested keys, readable numbers."""

from __future__ import annotations

from node.app.cli.table import pairs, render


def test_columns_align_and_values_read_well() -> None:
    rows = [
        {"name": "tls", "days": 3650.0, "rate": 0.5, "to": ["a", "b"], "d": {"kind": "peer"}},
        {"name": "organ-long-name", "days": 12.3456, "rate": None, "to": [], "d": {}},
    ]
    text = render(
        rows,
        [("NAME", "name"), ("DAYS", "days"), ("RATE", "rate"), ("TO", "to"), ("KIND", "d.kind")],
    )
    lines = text.splitlines()
    assert lines[0].split() == ["NAME", "DAYS", "RATE", "TO", "KIND"]
    assert lines[1].split() == ["tls", "3650", "0.5", "a,b", "peer"]
    assert lines[2].split() == ["organ-long-name", "12.35", "-", "-", "-"]
    assert lines[1].index("3650") == lines[0].index("DAYS")


def test_empty_table_says_so() -> None:
    assert render([], [("ID", "id")]).splitlines() == ["ID", "(none)"]


def test_pairs() -> None:
    assert pairs([("a", 1), ("long", True)]) == "a     1\nlong  yes"
