"""Organ identifiers (mã định danh, QĐ 20/2020; domain §2) and routing patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 35
_ORGAN_ID = re.compile(r"[0-9A-Z]+(?:\.[0-9A-Z]+)*")
_SYSTEM_ID = re.compile(r"[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+")
"""A connected system's code (``vxp.saas.02``); the schema's SystemIdType."""
_PATTERN_GROUP = re.compile(r"\*|[0-9A-Z]+")


def organ_id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid organ id, or None if it is."""
    if not value:
        return "organ id is empty"
    if len(value) > MAX_LENGTH:
        return f"organ id {value!r} is longer than {MAX_LENGTH} characters"
    if _SYSTEM_ID.fullmatch(value):
        return (
            f"{value!r} is a connected system's code (VDXP systemid), not an organ id: "
            "name the organ by its mã định danh (e.g. 000.00.00.G22); a system code is "
            "accepted in TraceHeader only"
        )
    if not _ORGAN_ID.fullmatch(value):
        return (
            f"organ id {value!r} must be dot-separated groups of characters 0-9 and A-Z "
            "(e.g. 000.00.00.G22)"
        )
    return None


def is_organ_id(value: str) -> bool:
    return organ_id_problem(value) is None


@dataclass(frozen=True)
class OrganPattern:
    """A routing pattern over organ-id groups: ``000.00.00.G22`` (exact),
    ``*.*.*.H41`` (any organ of that province family), ``*`` (everything).

    Specificity orders matches: more literal groups win; then fewer wildcards.
    """

    text: str
    groups: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> OrganPattern:
        if text == "*":
            return cls(text, ())
        groups = tuple(text.split("."))
        if not groups or any(not _PATTERN_GROUP.fullmatch(g) for g in groups):
            raise ValueError(
                f"routing pattern {text!r} must be '*' or dot-separated groups of "
                "0-9/A-Z or '*' (e.g. *.*.*.H41)"
            )
        return cls(text, groups)

    def matches(self, organ_id: str) -> bool:
        if not self.groups:
            return True
        parts = organ_id.split(".")
        if len(parts) != len(self.groups):
            return False
        return all(g == "*" or g == p for g, p in zip(self.groups, parts, strict=True))

    @property
    def specificity(self) -> tuple[int, int]:
        literal = sum(1 for g in self.groups if g != "*")
        return (literal, len(self.groups))

    def __str__(self) -> str:
        return self.text
