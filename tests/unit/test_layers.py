"""The imports point inward, at every depth.

The core (every module of ``node/`` outside ``node/app/``) imports no adapter,
no signing module, no web framework, no XML-signature or PDF library and no
database driver: not at module level, not inside a function, not behind
``TYPE_CHECKING``, not through ``importlib.import_module("...")``. The one
place that knows every layer is the composition root ``node/app/``; the one
driver exception is ``node/store/postgres/`` (asyncpg). Nothing but the
composition root imports ``node.app``. Ports point one way too: the driven
ports (``node.ports.driven``) and signing/, which implements them, never
import the API the adapters call (``node.ports.api``). The checker itself is tested on sources
that hide a lazy import, so a blind walker fails here too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

COMPOSITION_ROOT = "node.app"
#: Top-level packages the core may never import.
OUTER = ("adapters", "signing")
FRAMEWORKS = ("aiohttp", "signxml", "pyhanko", "asyncpg", "psycopg", "psycopg2", "sqlalchemy")
#: Explicit exceptions: module prefix -> top-level packages it may import anyway.
ALLOWED_IN_CORE = {"node.store.postgres": frozenset({"asyncpg"})}
DRIVING_API = "node.ports.api"


@dataclass(frozen=True)
class Imported:
    module: str  # absolute dotted name, e.g. "adapters.http.app"
    line: int

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    def within(self, prefix: str) -> bool:
        return self.module == prefix or self.module.startswith(prefix + ".")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(source: str, module: str, *, is_package: bool = False) -> list[Imported]:
    """Every import a module can perform: each ast Import/ImportFrom at any depth
    (relative ones resolved, ``from x import y`` also counted as ``x.y``) and
    every ``import_module``/``__import__`` call with a literal name."""
    found: list[Imported] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(Imported(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, is_package)
            found.append(Imported(base, node.lineno))
            found.extend(
                Imported(f"{base}.{alias.name}", node.lineno)
                for alias in node.names
                if alias.name != "*"
            )
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append(Imported(first.value, node.lineno))
    return found


def violations(module: str, imported: list[Imported]) -> list[str]:
    """What the layer rules forbid ``module`` to import."""
    inside = Imported(module, 0)
    if inside.within(COMPOSITION_ROOT):
        return []
    if inside.top == "node":
        allowed = frozenset().union(
            *(tops for prefix, tops in ALLOWED_IN_CORE.items() if inside.within(prefix))
        )
        forbidden = set(OUTER + FRAMEWORKS) - allowed
    elif inside.top == "signing":
        forbidden = {"adapters", "aiohttp", "asyncpg", "psycopg", "psycopg2", "sqlalchemy"}
    elif inside.top == "adapters":
        forbidden = {"signing", "signxml", "pyhanko"}
    else:
        forbidden = set()
    inner = [COMPOSITION_ROOT]
    if inside.top == "signing" or inside.within("node.ports.driven"):
        inner.append(DRIVING_API)
    bad = [i for i in imported if i.top in forbidden or any(i.within(m) for m in inner)]
    return sorted({f"line {i.line}: {i.module}" for i in bad})


def _modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _imports_of_file(path: Path) -> list[Imported]:
    return imports_of(
        path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
    )


@pytest.mark.parametrize(
    "path",
    _modules("node", "signing", "adapters", "schemas"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_imports_point_inward_at_every_depth(path: Path) -> None:
    bad = violations(module_name(path), _imports_of_file(path))
    assert not bad, f"{path.relative_to(ROOT)} imports across the layers: {bad}"


def test_the_exceptions_are_still_needed() -> None:
    """The composition root really is where adapters and signing get wired, and
    the PostgreSQL store really imports its driver; an exception nobody uses is
    a hole waiting for a wrong import, and a walker that sees none of these is
    blind."""
    app = {i.top for path in _modules("node/app") for i in _imports_of_file(path)}
    assert {"adapters", "signing", "aiohttp"} <= app
    for prefix, tops in ALLOWED_IN_CORE.items():
        used = {
            i.top for path in _modules(prefix.replace(".", "/")) for i in _imports_of_file(path)
        }
        assert tops <= used, f"{prefix} no longer needs {sorted(tops - used)}"


# -- the checker of the checker -------------------------------------------------


def _bad(source: str, module: str = "node.engine.exchange", **kw: bool) -> list[str]:
    return violations(module, imports_of(source, module, **kw))


@pytest.mark.parametrize(
    "source",
    [
        "def deliver():\n    from adapters.transport import NodeTransport\n",
        "class Engine:\n    async def run(self):\n        import adapters.http.app as app\n",
        "try:\n    import signing.keyring\nexcept ImportError:\n    raise\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aiohttp import web\n",
        "def f():\n    return lambda: __import__('asyncpg')\n",
        "import importlib\ndef f():\n    return importlib.import_module('signing.verifier')\n",
        "def f():\n    from ...adapters.http import app\n",
        "def f():\n    from .. import app\n",  # node.engine.exchange -> node.app
        "from node import app\n",
        "def f():\n    from node.app.wiring import real_core\n",
    ],
)
def test_the_checker_sees_a_hidden_import_in_the_engine(source: str) -> None:
    assert _bad(source), source


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("node.engine.exchange", "def f():\n    from node.store import store_from_url\n"),
        ("node.engine.exchange", "from . import plan\nfrom .views import Inbox\n"),
        ("node.store.postgres.connection", "import asyncpg\n"),
        ("node.app.wiring", "def f():\n    from adapters.transport import NodeTransport\n"),
        ("signing.verifier", "from node.model import Envelope\nimport signxml\n"),
        ("signing.keyring", "from node.ports.driven import KeyRing, Signer\n"),
        ("adapters.http.dms", "from node.ports.api import ExchangeApi\n"),
        ("adapters.http.app", "from aiohttp import web\nfrom node.ports.api import ExchangeApi\n"),
    ],
)
def test_the_checker_lets_the_allowed_imports_through(module: str, source: str) -> None:
    assert not _bad(source, module, is_package=False)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("node.store.sqlite.connection", "import asyncpg\n"),  # the exception is postgres's only
        ("node.store.postgres.connection", "from adapters.http import app\n"),
        ("signing.keyring", "def f():\n    from adapters.http.client import get\n"),
        ("signing.keyring", "def f():\n    from node.app.wiring import organ_key\n"),
        ("adapters.http.app", "def f():\n    from signing.verifier import DocumentVerifier\n"),
        ("adapters.http.app", "def f():\n    from node.app.bootstrap import NodeService\n"),
        ("signing.verifier", "from node.ports.api import ExchangeApi\n"),
        ("node.ports.driven", "from node.ports.api import IncomingBody\n"),
    ],
)
def test_the_checker_keeps_each_exception_to_its_place(module: str, source: str) -> None:
    assert _bad(source, module)


def test_relative_imports_resolve_from_a_package_init() -> None:
    found = imports_of("from .wiring import real_core\n", "node.app", is_package=True)
    assert Imported("node.app.wiring", 1) in found
    assert Imported("node.app.wiring.real_core", 1) in found


# -- no cycles between the rooms of node/ --------------------------------------


def _room(module: str) -> str | None:
    """The part of ``node`` a module belongs to: ``node.edxml.reader`` -> ``node.edxml``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "node" and len(parts) > 1 else None


def room_graph(modules: list[tuple[str, list[Imported]]]) -> dict[str, set[str]]:
    """Which room of node/ imports which other, from (module, its imports)."""
    graph: dict[str, set[str]] = {}
    for module, imported in modules:
        room = _room(module)
        if room is not None:
            edges = graph.setdefault(room, set())
            edges.update(r for i in imported if (r := _room(i.module)) not in (None, room))
    return graph


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of the graph (its rooms, the first repeated at the end), or []."""
    done: set[str] = set()

    def walk(room: str, path: list[str]) -> list[str]:
        if room in path:
            return [*path[path.index(room) :], room]
        if room in done:
            return []
        for target in sorted(graph.get(room, ())):
            found = walk(target, [*path, room])
            if found:
                return found
        done.add(room)
        return []

    for room in sorted(graph):
        found = walk(room, [])
        if found:
            return found
    return []


def test_the_rooms_of_node_import_each_other_without_cycles() -> None:
    """A lazy import inside a function hides a cycle from Python, not from here:
    every room of node/ (a subpackage or a top-level module) stands on those
    below it, so each can be read, tested and moved on its own."""
    cycle = cycle_in(room_graph([(module_name(p), _imports_of_file(p)) for p in _modules("node")]))
    assert not cycle, f"import cycle between the rooms of node/: {' -> '.join(cycle)}"


def test_the_cycle_finder_sees_a_cycle_through_a_lazy_import() -> None:
    edxml = ("node.edxml", imports_of("from node.model import Envelope\n", "node.edxml"))
    validation = (
        "node.validation.rules",
        imports_of("from node.edxml import names\n", "node.validation.rules"),
    )
    assert cycle_in(room_graph([edxml, validation])) == []
    lazy = "def parse():\n    from node.validation import validate_bytes\n"
    edxml_lazy = ("node.edxml", imports_of(lazy, "node.edxml", is_package=True))
    cycle = cycle_in(room_graph([edxml_lazy, validation]))
    assert cycle == ["node.edxml", "node.validation", "node.edxml"]
