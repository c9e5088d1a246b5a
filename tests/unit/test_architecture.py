"""The shape of ``src``: no import circle, and no arrow from the inner layers to the outer ones.

Imports are read with ``ast``. A circle hidden by an import inside a function, or behind
``TYPE_CHECKING``, is still a circle, so those are counted too, except function-level imports in
the CLI (which defers heavy imports to keep ``--help`` fast).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
LAYERS = {"pricing_core": 0, "adapters": 1, "runners": 2, "bootstrap": 3, "entrypoints": 4}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in SRC.rglob("*.py")}


def _resolve(name: str) -> str | None:
    """The project module an import names (the longest known prefix), or None for a library."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imports_of(module: str, *, include_functions: bool) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]

    def visit(nodes: list[ast.stmt], in_function: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if include_functions:
                    visit(node.body, True)
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if (target := _resolve(alias.name)) is not None:
                        found.add(target)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join([*parts[: len(parts) - node.level + 1], base]).strip(".")
                for alias in node.names:
                    target = _resolve(f"{base}.{alias.name}") or _resolve(base)
                    if target is not None:
                        found.add(target)
            for child in ("body", "orelse", "handlers", "finalbody"):
                inner = getattr(node, child, None)
                if isinstance(inner, list) and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    visit([n for n in inner if isinstance(n, ast.stmt)], in_function)

    visit(tree.body, False)
    found.discard(module)
    return found


def cycles(include_functions: bool) -> list[list[str]]:
    graph = {m: imports_of(m, include_functions=include_functions and not m.startswith("entrypoints.cli"))
             for m in MODULES}
    # A package imports its submodules' parents implicitly; cycles through ``__init__`` re-exports count.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            strong(module)
    return result


def test_no_import_circle_in_src() -> None:
    assert cycles(include_functions=True) == []


def test_arrows_point_inward() -> None:
    for module in MODULES:
        layer = LAYERS[module.split(".")[0]]
        for target in imports_of(module, include_functions=True):
            assert LAYERS[target.split(".")[0]] <= layer, f"{module} imports {target}, an outer layer"
