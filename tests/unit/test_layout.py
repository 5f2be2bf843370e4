"""The layout holds: sdk.types imports nothing of sdk.impl, and sdk.impl has no import circle.

Imports are read from the source, those under ``TYPE_CHECKING`` and inside functions too: a
circle that only the checkers follow is still a circle for a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

SDK = Path(__file__).parents[2] / "sdk"


def _module(path: Path) -> str:
    parts = path.relative_to(SDK.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The ``sdk`` modules a file imports, relative imports resolved."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "sdk" or name.startswith("sdk.")}


def _graph(folder: str) -> dict[str, set[str]]:
    files = {_module(p): p for p in (SDK / folder).rglob("*.py")}
    return {
        name: {i for i in _imports(path) if i in files and i != name}
        for name, path in files.items()
    }


def test_the_contract_imports_nothing_of_the_implementations() -> None:
    for path in (SDK / "types").rglob("*.py"):
        assert not {i for i in _imports(path) if i.startswith("sdk.impl")}, path


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports in ``graph``, if there is one."""
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> list[str] | None:
        if name in trail:
            return [*trail[trail.index(name) :], name]
        if name in done:
            return None
        for imported in sorted(graph[name]):
            found = visit(imported, [*trail, name])
            if found:
                return found
        done.add(name)
        return None

    for name in sorted(graph):
        found = visit(name, [])
        if found:
            return found
    return None


def test_no_module_of_sdk_impl_imports_itself_round_a_circle() -> None:
    assert _circle(_graph("impl")) is None


def test_the_check_can_fail() -> None:
    """Had the topic kept importing the app for its type, as it did, this is what it finds."""
    graph = _graph("impl")
    graph["sdk.impl.topic"].add("sdk.impl.app")
    circle = _circle(graph)
    assert circle is not None
    assert circle[0] == circle[-1] == "sdk.impl.app"
    assert "sdk.impl.topic" in circle
