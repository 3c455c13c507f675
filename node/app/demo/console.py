"""The demo's output: one numbered line per step, ✓ or ✗, and what was checked."""

from __future__ import annotations

import sys
from typing import TextIO


class Console:
    def __init__(self, total: int, out: TextIO | None = None) -> None:
        self.total = total
        self.out = out or sys.stdout
        encoding = getattr(self.out, "encoding", None) or "ascii"
        try:
            "✓✗→".encode(encoding)
            self.ok, self.fail, self.arrow = "✓", "✗", "→"
        except (UnicodeEncodeError, LookupError):
            self.ok, self.fail, self.arrow = "OK", "FAIL", "->"

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def step(self, number: int, passed: bool, title: str, seconds: float, lines: list[str]) -> None:
        mark = self.ok if passed else self.fail
        self.say(f"{number:>2}/{self.total} {mark} {title} ({seconds:.1f} s)")
        for line in lines:
            self.say(f"        {line}")

    def skipped(self, number: int, title: str) -> None:
        self.say(f"{number:>2}/{self.total} - {title} (skipped)")
