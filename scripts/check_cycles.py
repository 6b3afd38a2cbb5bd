#!/usr/bin/env python3
"""Print every import cycle among the modules of ``grassroots/``; exit 1 if there is one.

Only imports that run when a module is loaded count: statements at a module's top level (also inside a
top-level ``try``/``if``), not imports inside functions or classes' methods, and not the ones under
``if TYPE_CHECKING:``. Standard library only (``ast``), so it runs before anything is installed:

    python scripts/check_cycles.py            # the grassroots/ beside this script
    python scripts/check_cycles.py path/to/grassroots

``--include-functions`` also counts imports inside functions: the cycles an import moved into a function
only hides (two modules that need each other), which ruff's PLC0415 asks to bring to the top.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_CYCLES = 200  # enough to read; a tangle larger than this needs untangling, not a longer list


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(root: Path) -> dict[str, Path]:
    modules = {}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        modules[module_name(root, path)] = path
    return modules


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def top_level_imports(tree: ast.Module):
    """Import statements that run on load: module level, descending only into if/try/with blocks."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not is_type_checking(node.test):
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.With):
            pending.extend(node.body)


def all_imports(tree: ast.Module):
    """Every import statement, wherever it is, except under ``if TYPE_CHECKING:``."""
    hidden = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and is_type_checking(node.test):
            hidden.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in hidden:
            yield node


def resolve_from(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def graph(root: Path, include_functions: bool = False) -> dict[str, set[str]]:
    modules = discover(root)
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for node in (all_imports if include_functions else top_level_imports)(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = resolve_from(name, is_package, node)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.append(submodule if submodule in modules else base)
            for target in targets:
                if target in modules and target != name:
                    edges[name].add(target)
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return sorted(found)


def cycles_in(component: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """The elementary cycles of one component, each starting at its smallest module (so each once)."""
    members = set(component)
    cycles: list[list[str]] = []

    def walk(path: list[str]) -> None:
        start = path[0]
        for child in sorted(edges[path[-1]] & members):
            if len(cycles) >= MAX_CYCLES:
                return
            if child == start:
                cycles.append([*path, start])
            elif child > start and child not in path:
                walk([*path, child])

    for start in component:
        walk([start])
    return cycles


def main(argv: list[str]) -> int:
    include_functions = "--include-functions" in argv
    paths = [arg for arg in argv[1:] if not arg.startswith("--")]
    root = Path(paths[0]) if paths else Path(__file__).resolve().parent.parent / "grassroots"
    edges = graph(root.resolve(), include_functions)
    components = strongly_connected(edges)
    total = 0
    for component in components:
        for cycle in cycles_in(component, edges):
            print(" -> ".join(cycle))
            total += 1
    if total:
        print(f"{total} import cycle(s) in {len(components)} group(s) of modules", file=sys.stderr)
        return 1
    print("no import cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
