"""The core's imports point inward: node/ never imports a web framework, a
signing library, adapters/ or signing/ at module level. Only the composition
root and CLI commands may, and only inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_CORE = ("aiohttp", "signxml", "pyhanko", "adapters", "signing")
FORBIDDEN_IN_SIGNING = ("aiohttp", "adapters")


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.If):  # TYPE_CHECKING blocks count too
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                    names.add(sub.module.split(".")[0])
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("node"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_imports_point_inward(path: Path) -> None:
    bad = _top_level_imports(path) & set(FORBIDDEN_IN_CORE)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)} at module level"


@pytest.mark.parametrize("path", _modules("signing"), ids=lambda p: str(p.relative_to(ROOT)))
def test_signing_never_imports_adapters(path: Path) -> None:
    bad = _top_level_imports(path) & set(FORBIDDEN_IN_SIGNING)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
