"""The module map: layers only look down, and no import cycles (README.md, ## Architecture).

The layers are declared once, in the README's module-map table; this test parses every import in
``assistant/`` (function-level imports included; imports under ``if TYPE_CHECKING:`` are types only
and do not count) and fails on an upward import, an import cycle, or a module the map does not place.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "assistant"
README = ROOT / "README.md"
FACES = ("console", "bench", "tests")  # never imported by the package


@dataclass(frozen=True)
class Layer:
    rank: int
    name: str
    modules: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    source: str  # importing module (dotted, relative to the package)
    target: str
    line: int

    @property
    def where(self) -> str:
        return f"assistant/{self.source.replace('.', '/')}.py:{self.line}"


def read_layers(readme: Path = README) -> list[Layer]:
    """The rows of the module-map table in the README's ``## Architecture`` section."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"^## Architecture\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Architecture' section with the module map"
    layers = []
    for line in match.group(1).splitlines():
        row = re.match(r"^\|\s*(\d+)\s+([^|]+?)\s*\|([^|]*)\|", line)
        if row:
            modules = tuple(re.findall(r"`([A-Za-z_][\w.]*)`", row.group(3)))
            layers.append(Layer(int(row.group(1)), row.group(2).strip(), modules))
    assert layers, "README.md ## Architecture: no module-map rows ('| 0 base | `errors`, ... |')"
    return layers


def package_modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``core``, ``__init__``, ``sub.module``)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        modules[".".join(rel.parts)] = path
    return modules


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> tuple[list[Edge], list[Edge]]:
    """(edges to package modules, edges to faces) of one module; every import, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = _type_checking_lines(tree)
    package = name.split(".")[:-1]  # ``sub.x`` and ``sub.__init__`` live in ``sub``
    edges: list[Edge] = []
    faces: list[Edge] = []

    def resolve(dotted: str) -> str | None:
        # the longest prefix that is a module (``x.y`` of ``from .x.y import z``; a package is its __init__)
        parts = dotted.split(".") if dotted else []
        while parts:
            candidate = ".".join(parts)
            if candidate in modules:
                return candidate
            if f"{candidate}.__init__" in modules:
                return f"{candidate}.__init__"
            parts.pop()
        # ``from . import X`` takes X from the package; a module not written yet is its own name
        return dotted.split(".")[0] if dotted else "__init__"

    def add(target: str | None, line: int) -> None:
        if target and target != name:
            edges.append(Edge(name, target, line))

    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top == "assistant":
                    add(resolve(alias.name.partition(".")[2]), node.lineno)
                elif top in FACES:
                    faces.append(Edge(name, top, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                dotted = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.split(".")[0] == "assistant":
                dotted = node.module.partition(".")[2]
            else:
                if node.module and node.module.split(".")[0] in FACES:
                    faces.append(Edge(name, node.module.split(".")[0], node.lineno))
                continue
            for alias in node.names:
                # ``from . import core`` imports the module core; ``from .core import X`` imports core
                sub = f"{dotted}.{alias.name}" if dotted else alias.name
                add(
                    resolve(sub) if (sub in modules or f"{sub}.__init__" in modules) else resolve(dotted),
                    node.lineno,
                )
    return edges, faces


def _layer_of(layers: list[Layer]) -> dict[str, Layer]:
    placed: dict[str, Layer] = {}
    for layer in layers:
        for module in layer.modules:
            assert module not in placed, (
                f"README.md ## Architecture: `{module}` is in two layers ({placed[module].name}, {layer.name})"
            )
            placed[module] = layer
    return placed


def _graph() -> tuple[dict[str, Path], dict[str, list[Edge]], list[Edge]]:
    modules = package_modules()
    graph: dict[str, list[Edge]] = {}
    faces: list[Edge] = []
    for name, path in modules.items():
        edges, to_faces = imports_of(name, path, modules)
        graph[name] = edges
        faces += to_faces
    return modules, graph, faces


def _lookup(placed: dict[str, Layer], module: str) -> Layer | None:
    # a module of a subpackage may be placed by its own name or by its package's
    parts = module.split(".")
    while parts:
        found = placed.get(".".join(parts))
        if found:
            return found
        parts.pop()
    return None


def test_every_module_is_placed_in_the_module_map():
    layers = read_layers()
    placed = _layer_of(layers)
    modules, graph, _ = _graph()
    missing = []
    for name in modules:
        if _lookup(placed, name) is None:
            imported = [_lookup(placed, e.target) for e in graph[name]]
            lowest = max((layer.rank for layer in imported if layer), default=0)
            row = next((layer for layer in layers if layer.rank == lowest), layers[0])
            missing.append(
                f"assistant/{name.replace('.', '/')}.py is not in the module map: add `{name}` to the row "
                f"'{row.rank} {row.name}' of the table in README.md ## Architecture (the lowest layer its "
                f"imports allow), or to a higher one if it belongs there"
            )
    stale = sorted(m for m in placed if m not in modules and not any(k.startswith(f"{m}.") for k in modules))
    missing += [
        f"README.md ## Architecture lists `{m}`, which is not a module of assistant/: remove it"
        for m in stale
    ]
    assert not missing, "\n".join(missing)


def test_layers_only_look_down():
    layers = read_layers()
    placed = _layer_of(layers)
    _, graph, faces = _graph()
    upward = []
    seen: set[Edge] = set()
    for edges in graph.values():
        for edge in edges:
            source, target = _lookup(placed, edge.source), _lookup(placed, edge.target)
            if source and target and target.rank > source.rank and edge not in seen:
                seen.add(edge)
                upward.append(
                    f"{edge.where}: `{edge.source}` (layer {source.rank} {source.name}) imports `{edge.target}` "
                    f"(layer {target.rank} {target.name}), which is above it: pass the dependency in, or move "
                    f"the shared record to `records`"
                )
    upward += [
        f"{e.where}: `{e.source}` imports `{e.target}`, a face or the tests: never from the package"
        for e in faces
    ]
    assert not upward, "\n".join(upward)


def find_cycles(graph: dict[str, list[Edge]]) -> list[list[Edge]]:
    """The imports inside each group of modules that import each other (a strongly connected
    component of more than one module), one list per group."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0

    def connect(node: str) -> None:  # Tarjan's algorithm (the graph is small: recursion is fine)
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for edge in graph.get(node, ()):
            if edge.target not in index:
                connect(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in on_stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    # every import inside a component keeps it together: name them all, the author breaks one
    cycles = []
    for component in components:
        inside = {
            (e.source, e.target, e.line): e
            for m in sorted(component)
            for e in graph[m]
            if e.target in component
        }
        cycles.append(list(inside.values()))
    return cycles


def test_no_import_cycles():
    _, graph, _ = _graph()
    cycles = find_cycles(graph)
    message = [
        f"import cycle among {', '.join(sorted({e.source for e in cycle}))}; its imports (break one):\n"
        + "\n".join(f"  {e.where}: {e.source} -> {e.target}" for e in cycle)
        for cycle in cycles
    ]
    assert not cycles, "\n".join(message)


def test_the_checker_finds_cycles_and_function_level_imports(tmp_path):
    # the checks themselves can fail: a function-level import closing a loop is a cycle
    (tmp_path / "a.py").write_text("from .b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("def f():\n    from .a import y\n", encoding="utf-8")
    (tmp_path / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import z\n", encoding="utf-8"
    )
    modules = {p.stem: p for p in tmp_path.glob("*.py")}
    graph = {name: imports_of(name, path, modules)[0] for name, path in modules.items()}
    assert [e.target for e in graph["b"]] == ["a"]
    assert graph["c"] == []  # type-only imports are not dependencies
    cycles = find_cycles(graph)
    assert len(cycles) == 1 and {e.source for e in cycles[0]} == {"a", "b"}
