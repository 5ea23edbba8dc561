"""Layering of the package (docs/architecture.md), checked on the source (ast, nothing imported):
no library module imports ``tracerdiff.cli``; no pyplot anywhere in the package, the command
line included (every figure is a ``matplotlib.figure.Figure`` on an Agg canvas, made by
:mod:`tracerdiff.figures` or given as ``ax``); ``study`` (the runner) uses ``report``, which
renders what it is given and never imports ``study``.

The one interactive front end, ``view/``, draws with Panel and Bokeh in a browser, not with
matplotlib windows, so it needs no exception from the pyplot rule either.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "tracerdiff"


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


def test_no_pyplot_anywhere() -> None:
    users = {f for f, names in _files() if _uses(names, "matplotlib.pyplot")}
    assert users == set(), "draw on tracerdiff.figures.new_figure / new_axes, not pyplot"


def test_pyplot_check_sees_imports_inside_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path / "tracerdiff")
    module = tmp_path / "tracerdiff" / "m.py"
    module.parent.mkdir()
    module.write_text("def f():\n    import matplotlib.pyplot as plt\n    return plt\n")
    assert _uses(imports_of(module), "matplotlib.pyplot")
    module.write_text("def f():\n    from matplotlib import pyplot\n    return pyplot\n")
    assert _uses(imports_of(module), "matplotlib.pyplot")


def test_report_does_not_import_study() -> None:
    bad = {
        f for f, names in _files() if f.startswith("report/") and _uses(names, "tracerdiff.study")
    }
    assert bad == set()
    assert any(_uses(names, "tracerdiff.report") for f, names in _files() if f == "study/runner.py")
