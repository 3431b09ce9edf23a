"""The package's architecture, checked: no import circle, no lower layer importing a higher one.

Every ``import`` statement counts, including those inside functions (lazy imports keep start-up
fast but are still dependencies).
"""

from __future__ import annotations

import ast
from pathlib import Path

import caselib

PACKAGE = Path(caselib.__file__).parent

# Layers from the bottom up (README, "代码结构"): a module may import its own layer and the
# layers below it. ``errors`` is the floor every layer stands on.
LAYERS = (
    ("caselib", "caselib.errors"),
    ("caselib.text",),
    ("caselib.store",),
    (
        "caselib.records",
        "caselib.tags",
        "caselib.units",
        "caselib.bulletins",
        "caselib.bulletin_view",
        "caselib.search",
        "caselib.listing",
        "caselib.dedupe",
        "caselib.duplicates",
        "caselib.taxonomy",
    ),
    ("caselib.intake", "caselib.choose", "caselib.publish"),
    ("caselib.cli", "caselib.__main__"),
)
SIZE_EXEMPT: set[str] = set()
MAX_LINES = 800


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _target(name: str) -> str:
    """The caselib module an imported dotted name lives in (a function's module for
    ``from caselib.x import f``)."""
    while name not in MODULES:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{module}: relative import"
            base = node.module or ""
            names = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found.update(_target(n) for n in names if n == "caselib" or n.startswith("caselib."))
    found.discard(module)
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def layer_of(module: str) -> int:
    best = -1
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                best = level if prefix != "caselib" else max(best, level)
    assert best >= 0, f"{module} belongs to no layer: add it to LAYERS"
    return best


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{m} -> {t}" for m, targets in graph.items() for t in targets if layer_of(t) > layer_of(m)
    ]


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle a depth-first walk meets (each closed path once)."""
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_no_upward_import() -> None:
    assert upward_imports(GRAPH) == []


def test_no_import_circle() -> None:
    assert circles(GRAPH) == []


def test_packages_import_nothing() -> None:
    """The package markers stay empty of imports, so importing one module never loads its
    siblings (``caselib --help`` stays fast)."""
    for module, path in MODULES.items():
        if path.name == "__init__.py" and module not in ("caselib.cli", "caselib.intake.readers"):
            assert GRAPH[module] == set(), module


def test_modules_stay_small() -> None:
    big = {
        m: n
        for m, p in MODULES.items()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert set(big) <= SIZE_EXEMPT, big


def test_checker_finds_planted_faults() -> None:
    """The checks above can fail: a planted circle and upward import are found, and the walk
    reads imports made inside functions (the read path's lazy upgrade through the ORM)."""
    planted = {
        "caselib.store.meta": {"caselib.store.library"},
        "caselib.store.library": {"caselib.tags", "caselib.store.meta"},
        "caselib.tags": {"caselib.store.library"},
    }
    assert upward_imports(planted) == ["caselib.store.library -> caselib.tags"]
    assert circles(planted) == [
        ["caselib.store.library", "caselib.store.meta", "caselib.store.library"],
        ["caselib.store.library", "caselib.tags", "caselib.store.library"],
    ]
    assert "caselib.store.library" in GRAPH["caselib.store.reader"]
