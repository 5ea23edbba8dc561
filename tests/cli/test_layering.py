"""Layering of the package (docs/architecture.md), checked on the source (ast, nothing imported):
no library module imports ``tracerdiff.cli``; no pyplot outside ``cli/`` (the library draws on
``matplotlib.figure.Figure`` with Agg); ``study`` (the runner) uses ``report``, which renders
what it is given and never imports ``study``.

Modules still known to break a rule are listed by name below; each list may only shrink: a
listed module that no longer breaks the rule fails the test until it is removed from the list.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "tracerdiff"

#: library modules that still import pyplot (to be moved onto tracerdiff.figures.new_figure)
PYPLOT_KNOWN: set[str] = {
    "fitting/plot.py",
    "models/plot.py",
}


def _module(path: Path) -> list[str]:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (top level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = _module(path) if path.name == "__init__.py" else _module(path)[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = pkg[: len(pkg) - node.level + 1] if node.level else []
            mod = ".".join([*base, *(node.module.split(".") if node.module else [])])
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def _files() -> list[tuple[str, set[str]]]:
    return [(str(p.relative_to(SRC)), imports_of(p)) for p in sorted(SRC.rglob("*.py"))]


def _uses(names: set[str], prefix: str) -> bool:
    return any(n == prefix or n.startswith(prefix + ".") for n in names)


def test_import_resolution_is_exact() -> None:
    names = imports_of(SRC / "study" / "fields.py")
    assert "tracerdiff.parsing" in names and "tracerdiff.units" in names


def test_no_library_module_imports_cli() -> None:
    front = ("cli/", "__main__.py")  # the command line and its entry point
    bad = [f for f, names in _files() if not f.startswith(front) and _uses(names, "tracerdiff.cli")]
    assert bad == []


def test_no_pyplot_outside_cli() -> None:
    users = {
        f for f, names in _files() if not f.startswith("cli/") and _uses(names, "matplotlib.pyplot")
    }
    assert users - PYPLOT_KNOWN == set(), "library code must use tracerdiff.figures.new_figure"
    assert PYPLOT_KNOWN - users == set(), "no longer uses pyplot: remove it from PYPLOT_KNOWN"


def test_report_does_not_import_study() -> None:
    bad = {
        f for f, names in _files() if f.startswith("report/") and _uses(names, "tracerdiff.study")
    }
    assert bad == set()
    assert any(_uses(names, "tracerdiff.report") for f, names in _files() if f == "study/runner.py")
