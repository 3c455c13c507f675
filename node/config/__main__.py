"""``python -m node.config``: print the configuration reference (Markdown), or
rewrite it in README.md between its markers (``--readme README.md``), or check
that README.md is up to date (``--check README.md``; exit 1 when stale).

Run ``python -m node.config --readme README.md`` after adding or changing a
key in :mod:`node.config.model`; tests/unit/docs/ fails until you do."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from node.config.reference import render_markdown

BEGIN = "<!-- config-reference:begin -->"
END = "<!-- config-reference:end -->"


def readme_section(text: str) -> str:
    """What README text holds between the markers (ValueError if they are missing)."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {BEGIN} … {END} are missing")
    return text[start + len(BEGIN) : end].strip("\n") + "\n"


def with_reference(text: str, reference: str) -> str:
    """README text with the section between the markers replaced by ``reference``."""
    readme_section(text)
    start, end = text.find(BEGIN) + len(BEGIN), text.find(END)
    return f"{text[:start]}\n{reference.rstrip()}\n{text[end:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m node.config", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--readme", type=Path, metavar="FILE", help="rewrite the section in FILE")
    group.add_argument("--check", type=Path, metavar="FILE", help="exit 1 if FILE is stale")
    args = parser.parse_args(argv)
    reference = render_markdown()
    path: Path | None = args.readme or args.check
    if path is None:
        sys.stdout.write(reference)
        return 0
    try:
        text = path.read_text(encoding="utf-8")
        current = readme_section(text)
    except (OSError, ValueError) as exc:
        print(f"python -m node.config: {path}: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if current != reference:
            print(
                f"{path}: configuration reference is stale; run "
                f"python -m node.config --readme {path}",
                file=sys.stderr,
            )
            return 1
        return 0
    path.write_text(with_reference(text, reference), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
