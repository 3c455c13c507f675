"""README.md's configuration reference is exactly what the config model
generates (regenerate with ``python -m node.config --readme README.md``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.config import render_markdown
from node.config.__main__ import BEGIN, END, main, readme_section, with_reference

README = Path(__file__).resolve().parents[3] / "README.md"


def test_readme_reference_matches_the_model() -> None:
    section = readme_section(README.read_text(encoding="utf-8"))
    assert section == render_markdown(), (
        "README.md's configuration reference is stale: run python -m node.config --readme README.md"
    )


def test_every_key_appears_once() -> None:
    section = readme_section(README.read_text(encoding="utf-8"))
    rows = [line.split("|")[1].strip() for line in section.splitlines()[2:]]
    assert len(rows) == len(set(rows))
    assert {"`node.organ_id`", "`storage.url`", "`dms[].webhook_url`", "`log.format`"} <= set(rows)


def test_regeneration_replaces_only_the_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n{BEGIN}\n| old |\n{END}\nafter\n", encoding="utf-8")
    assert main(["--check", str(readme)]) == 1
    assert main(["--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# title\n\nbefore\n")
    assert text.endswith(f"{END}\nafter\n")
    assert readme_section(text) == render_markdown()
    assert main(["--check", str(readme)]) == 0


def test_missing_markers_are_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n", encoding="utf-8")
    assert main(["--readme", str(readme)]) == 2
    with pytest.raises(ValueError, match="markers"):
        with_reference("no markers", "x")
