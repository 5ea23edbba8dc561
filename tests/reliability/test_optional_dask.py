"""dask/distributed are an optional extra (``tracerdiff[parallel]``): everything but
``--scheduler`` works without them, and ``--scheduler`` without them is one line naming the
extra (docs/reliability.md, "Optional parts")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.cli.app import main
from tracerdiff.study.parallel import Node, Ref, run_graph

SRC = Path(__file__).resolve().parents[2] / "src" / "tracerdiff"
DEMO_STUDY = SRC / "data" / "demo" / "study.toml"


@pytest.fixture
def no_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import dask`` and ``import distributed`` fail as if they were not installed."""
    for name in [m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "distributed", None)


def _imports_of(tree: ast.AST) -> list[tuple[str, bool]]:
    """(top-level package, imported at module level) of every import in ``tree``."""
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [(n.split(".")[0], node.col_offset == 0) for n in names]
    return found


def test_only_parallel_code_imports_dask_and_only_lazily() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        for pkg, top in _imports_of(ast.parse(path.read_text(encoding="utf-8"))):
            if pkg in ("dask", "distributed") and (top or rel != "study/parallel.py"):
                offenders.append(f"{rel}: {pkg}{' at module level' if top else ''}")
    assert offenders == []


def _draw(seed: int) -> float:
    return float(np.random.default_rng(seed).normal())


def _add(a: float, b: float) -> float:
    return a + b


@pytest.mark.parametrize("scheduler", [None, "threads", "sync"])
def test_local_runs_need_no_dask(no_dask: None, scheduler: str | None) -> None:
    nodes = [
        Node("a", _draw, (1,)),
        Node("b", _draw, (2,)),
        Node("c", _add, (Ref("a"), Ref("b"))),
        Node("d", _add, (Ref("c"),), (("b", Ref("a")),)),
    ]
    done: list[str] = []
    res = run_graph(nodes, scheduler=scheduler, on_done=done.append)
    assert res["c"] == pytest.approx(_draw(1) + _draw(2))
    assert res["d"] == pytest.approx(res["c"] + res["a"])
    assert sorted(done) == ["a", "b", "c", "d"] and list(res) == ["a", "b", "c", "d"]


def test_local_run_raises_the_first_failure(no_dask: None) -> None:
    def boom(x: float) -> float:
        raise ZeroDivisionError("in a task")

    with pytest.raises(ZeroDivisionError, match="in a task"):
        run_graph([Node("a", _draw, (1,)), Node("b", boom, (Ref("a"),))])
    from tracerdiff.errors import InputError

    with pytest.raises(InputError, match="not listed before it"):
        run_graph([Node("b", _add, (Ref("a"), 1.0)), Node("a", _draw, (1,))])


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "localhost:8786"])
def test_scheduler_without_dask_names_the_extra(
    no_dask: None, tmp_path: Path, address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", str(DEMO_STUDY), "-o", str(tmp_path / "out"), "--scheduler", address])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and err.startswith("error: ")
    assert "pip install 'tracerdiff[parallel]'" in err
    assert list(tmp_path.iterdir()) == []


def test_cli_and_study_runner_import_without_dask() -> None:
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None; "
        "import tracerdiff, tracerdiff.cli.app, tracerdiff.study.runner, tracerdiff.study; "
        "print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


@pytest.mark.slow
def test_readme_main_job_runs_without_dask(tmp_path: Path) -> None:
    """``pip install ".[cameca]" && tracerdiff demo``: the demo study on local threads."""
    code = (
        "import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None; "
        "from tracerdiff.cli.app import main; main(['demo', '-o', 'out'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report.html").stat().st_size > 0
    assert (tmp_path / "out" / "results.json").stat().st_size > 0
