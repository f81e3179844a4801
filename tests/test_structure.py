"""The shape of the package, read from the source: who imports whom, and who imports what."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "btiflow"

# The outer layer: no two of these may import each other, directly or through others.
LAYERS = ("store", "notify", "workflow", "views", "migrate", "engine")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _sources() -> dict[str, tuple[Path, ast.Module]]:
    """Every module of btiflow/, by dotted name, with its parsed source."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found[_module_name(path)] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return found


def _imported(module: str, tree: ast.Module, is_package: bool) -> set[str]:
    """Every name ``module`` imports anywhere (top level, functions, TYPE_CHECKING blocks)."""
    modules = _sources()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                # ``from btiflow.workflow import model`` imports the module btiflow.workflow.model
                sub = f"{base}.{alias.name}"
                names.add(sub if sub in modules else base)
    return names


@functools.cache
def _graph() -> dict[str, set[str]]:
    """Module → the btiflow modules it imports. The package face (btiflow/__init__) is left out:
    it re-exports everything and nothing inside imports it."""
    graph = {}
    for name, (path, tree) in _sources().items():
        if name == "btiflow":
            continue
        targets = _imported(name, tree, path.name == "__init__.py")
        graph[name] = {t for t in targets if t in _sources() and t not in ("btiflow", name)}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _unit(module: str) -> str:
    """The part of btiflow a module belongs to: ``btiflow.store.sqlite`` → ``store``."""
    return module.split(".")[1]


def _importers(prefix: str) -> set[str]:
    """The btiflow modules that import ``prefix`` or a module under it."""
    found = set()
    for name, (path, tree) in _sources().items():
        targets = _imported(name, tree, path.name == "__init__.py")
        if any(t == prefix or t.startswith(prefix + ".") for t in targets):
            found.add(str(path.relative_to(PACKAGE.parent)))
    return found


def test_no_module_imports_itself_back() -> None:
    """No import cycle between btiflow's modules."""
    assert _cycles(_graph()) == []


def test_the_outer_layer_has_no_loops() -> None:
    """No import loop between store, notify, workflow, views, migrate and engine."""
    units: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        units.setdefault(_unit(module), set()).update(_unit(t) for t in targets)
    for unit in units:
        units[unit].discard(unit)
    loops = [c for c in _cycles(units) if len(set(c) & set(LAYERS)) > 1]
    assert loops == []


def test_stores_convert_workflows_without_the_loader() -> None:
    """The stores keep workflow versions through workflow.convert, never the YAML loader."""
    stores = {m for m in _graph() if _unit(m) == "store"}
    assert stores
    for store in stores:
        assert "btiflow.workflow.load" not in _graph()[store], store


def test_views_do_not_import_migrate() -> None:
    """What a person is shown does not depend on how cases are migrated."""
    assert not any(
        t == "btiflow.migrate" or t.startswith("btiflow.migrate.")
        for t in _graph()["btiflow.views"]
    )


def test_each_third_party_library_has_one_importer() -> None:
    """cattrs, transitions and yaml each have one importer, so each is swapped in one place."""
    assert _importers("cattrs") == {"btiflow/codec.py"}
    assert _importers("transitions") == {"btiflow/case/machine.py"}
    assert len(_importers("yaml")) == 1


def test_oslo_time_is_defined_once() -> None:
    """Only btiflow/localtime.py names the Europe/Oslo zone or builds a ZoneInfo."""
    defining = set()
    for path, tree in _sources().values():
        for node in ast.walk(tree):
            zone = isinstance(node, ast.Constant) and node.value == "Europe/Oslo"
            call = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name | ast.Attribute)
                and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
                == "ZoneInfo"
            )
            if zone or call:
                defining.add(str(path.relative_to(PACKAGE.parent)))
    assert defining == {"btiflow/localtime.py"}
