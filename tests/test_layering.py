"""The layering in CONTRIBUTING.md: nothing in chaingraph imports upward.

Layers, lowest first: data and the chain object (every module of the package
outside the folders below: ``schema``, ``io``, ``templates``, ``datasets``,
``core``, …), ``analysis``, then ``viz`` and ``report``, then ``cli``. A module
may import from its own layer and the layers below. No module imports the
package root (``import chaingraph``, ``from chaingraph import lead_firms``):
only the package's ``__init__`` gathers the public names. Every import
statement counts, also one inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "chaingraph"
LAYERS = {"analysis": 2, "viz": 3, "report": 3, "cli": 4, "__main__": 4}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def layer(name: str) -> int:
    """1 for data and core, 2 analysis, 3 viz and report, 4 cli; 0 for the package root."""
    parts = name.split(".")
    return 0 if len(parts) == 1 else LAYERS.get(parts[1], 1)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every chaingraph module (or the root) that ``path`` imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for a in node.names:
                sub = f"{source}.{a.name}"
                found.append((node.lineno, sub if is_module(sub) else source))
    return [(line, m) for line, m in found if m.split(".")[0] == "chaingraph"]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if module_name(p) != "chaingraph")


def test_the_layers_are_found():
    layers = {layer(module_name(p)) for p in MODULES}
    assert layers == {1, 2, 3, 4}
    assert layer("chaingraph.analysis.tiers") == 2 and layer("chaingraph.schema") == 1
    assert layer("chaingraph") == 0


def test_the_scan_sees_imports_inside_functions():
    # cli.py imports each analysis inside the command that runs it, and report/build.py
    # imports its own package's modules relatively
    assert "chaingraph.analysis.weak" in [m for _, m in imported_modules(PACKAGE / "cli.py")]
    assert "chaingraph.report.svg" in [m for _, m in imported_modules(PACKAGE / "report" / "build.py")]


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_no_upward_import(path):
    own = layer(module_name(path))
    upward = [f"line {line}: {m}" for line, m in imported_modules(path)
              if layer(m) > own or m == "chaingraph"]
    assert not upward, f"{module_name(path)} (layer {own}) imports upward: {upward}"


def module_path(name: str) -> Path:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"


def test_the_object_is_built_from_modules_below_it():
    # core.py is the one object; the modules it is built from (each table's checks, the
    # summary, the places, the words users write) take a chain or its tables as
    # arguments and never import core, directly or through one another
    seen, todo = set(), [m for _, m in imported_modules(PACKAGE / "core.py")]
    while todo:
        name = todo.pop()
        if name in seen or name == "chaingraph":
            continue
        seen.add(name)
        todo += [m for _, m in imported_modules(module_path(name))]
    assert {"chaingraph._firms", "chaingraph._links", "chaingraph._summary",
            "chaingraph._vocabulary"} <= seen
    assert "chaingraph.core" not in seen
