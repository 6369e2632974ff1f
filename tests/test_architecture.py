"""The package's shape: layers form a DAG, no import cycle, no private name used across modules,
small modules and functions.

Every import of every module is read from its source with an AST walk, function-level imports
included (``if TYPE_CHECKING:`` blocks excluded), and resolved to the metaeval module it names.
Layers, bottom first (a module may import its own layer and the layers below):

    errors, paths, io, csvio, version, citations, provenance, spec  <-  stats  <-  data  <-  metrics  <-
    score  <-  correlation, listening, challenge, judge  <-  report  <-  cli

``metaeval/__init__.py`` is the façade on top; nothing inside the package imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import metaeval

ROOT = Path(metaeval.__file__).resolve().parent
LAYERS = {
    "errors": 0, "paths": 0, "io": 0, "csvio": 0, "version": 0, "citations": 0, "provenance": 0,
    "spec": 0, "progress": 0,
    "stats": 1, "data": 2, "metrics": 3, "score": 4, "correlation": 5, "listening": 5, "challenge": 5,
    "judge": 5,
    "report": 6, "cli": 7, "__main__": 7,  # python -m metaeval: the cli
}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The metaeval module a dotted import target names (a module, or the package holding it)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool):
    """(target module, imported name or None, line) of every import, TYPE_CHECKING excluded."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("metaeval"):
                    yield _resolve(alias.name), None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            if base.startswith("metaeval"):
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    target = submodule if submodule in MODULES else _resolve(base)
                    yield target, None if submodule in MODULES else alias.name, node.lineno
        stack.extend(ast.iter_child_nodes(node))


def _graph():
    edges, private = {}, []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for target, name, line in _imports(tree, module, path.name == "__init__.py"):
            if target is None or target == module:
                continue
            targets.add(target)
            if name and name.startswith("_") and not name.startswith("__"):
                private.append(f"{module}:{line} imports {name} from {target}")
        edges[module] = targets
    return edges, private


EDGES, PRIVATE_IMPORTS = _graph()


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_every_module_belongs_to_a_layer():
    assert [m for m in MODULES if m != "metaeval" and _layer(m) is None] == []


def test_no_import_cycle():
    """Depth-first search for a back edge; the message names one cycle."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str):
        state[node] = 1
        path.append(node)
        for nxt in sorted(EDGES.get(node, ())):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module)


def test_layers_only_import_downwards():
    wrong = [f"{m} (layer {_layer(m)}) imports {t} (layer {_layer(t)})"
             for m, targets in EDGES.items() if m != "metaeval"
             for t in targets if t == "metaeval" or (_layer(t) or 0) > (_layer(m) or 0)]
    assert wrong == []


def test_no_private_name_crosses_a_module():
    attribute_use = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {a.asname or a.name.split(".")[-1]
                   for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                   for a in n.names
                   if (isinstance(n, ast.ImportFrom) and (n.module or "").startswith("metaeval")
                       and f"{n.module}.{a.name}" in MODULES)
                   or (isinstance(n, ast.Import) and a.name.startswith("metaeval"))}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                attribute_use.append(f"{module}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert PRIVATE_IMPORTS + attribute_use == []


def test_the_checker_sees_function_level_imports_and_private_names():
    source = "def f():\n    from metaeval.stats.kendall import _secret\n"
    found = list(_imports(ast.parse(source), "metaeval.data.x", False))
    assert found == [("metaeval.stats.kendall", "_secret", 2)]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_are_small(module):
    path = MODULES[module]
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path}: {len(text.splitlines())} lines"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for node in ast.walk(ast.parse(text))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == [], f"{path}: {long}"
