"""dask scheduling: serial, local threads and a dask.distributed cluster give identical results."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.quantities import to_json
from tracerdiff.study import execute_plan, load_study, make_plan
from tracerdiff.study.parallel import Node, Ref, run_graph


def _draw(seed: np.random.SeedSequence) -> float:
    return float(np.random.default_rng(seed).normal())


def _add(a: float, b: float) -> float:
    return a + b


def _results_text(outcomes: tuple) -> str:  # type: ignore[type-arg]
    return to_json([(o.id, o.status, o.results, [t.to_dict() for t in o.tables]) for o in outcomes])


def test_run_graph_refs_and_order() -> None:
    seeds = np.random.SeedSequence(3).spawn(2)
    nodes = [
        Node("a", _draw, (seeds[0],)),
        Node("b", _draw, (seeds[1],)),
        Node("c", _add, (Ref("a"), Ref("b"))),
    ]
    done: list[str] = []
    res = run_graph(nodes, scheduler="threads", on_done=done.append)
    assert res["c"] == pytest.approx(res["a"] + res["b"])
    assert res["a"] == _draw(np.random.SeedSequence(3, spawn_key=(0,)))
    assert sorted(done) == ["a", "b", "c"]
    with pytest.raises(InputError, match="duplicate task key"):
        run_graph([Node("a", _draw, (seeds[0],)), Node("a", _draw, (seeds[1],))])


#: added to the mini study: a series model with a Monte Carlo chain, and one with a given k
EXTRA_ANALYSES = """
[[analyses]]
id = "series_mc"
type = "series_model"
k_from = "gb_prof"
time = "6 weeks"
k_spread = 0.4
[[analyses]]
id = "series2"
type = "series_model"
k = "1.5e-6 cm/s"
model = "mg2"
"""


@pytest.fixture
def small_study(mini_study: Path, tmp_path: Path) -> Path:
    """The mini study (conftest) plus :data:`EXTRA_ANALYSES`, written into ``tmp_path``."""
    (tmp_path / "profile.csv").write_bytes((mini_study.parent / "profile.csv").read_bytes())
    path = tmp_path / "study.toml"
    path.write_text(mini_study.read_text(encoding="utf-8") + EXTRA_ANALYSES, encoding="utf-8")
    return path


def test_serial_threads_and_cluster_identical(small_study: Path) -> None:
    from distributed import Client, LocalCluster

    plan = make_plan(load_study(small_study))
    serial = _results_text(execute_plan(plan, scheduler="sync"))
    threads = _results_text(execute_plan(plan, scheduler="threads"))
    assert threads == serial
    # the chain Monte Carlo of the series model draws random numbers: same stream everywhere
    assert '"chain": {' in serial.replace("\n", "").replace("  ", "")
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        clustered = _results_text(execute_plan(plan, scheduler=client))
        by_address = _results_text(execute_plan(plan, scheduler=cluster.scheduler_address))
    assert clustered == serial
    assert by_address == serial


def test_bad_scheduler_address(fixture_study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tracerdiff.study.parallel as parallel

    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", "1s")
    plan = make_plan(load_study(fixture_study))
    with pytest.raises(InputError, match="--scheduler: cannot connect"):
        execute_plan(plan, scheduler="tcp://127.0.0.1:1")


def test_cli_scheduler_option(
    small_study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from distributed import LocalCluster

    from tracerdiff.cli.app import main

    outs = []
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        for name, extra in (("local", []), ("cluster", ["--scheduler", cluster.scheduler_address])):
            with pytest.raises(SystemExit) as exc:
                main(["run", str(small_study), "-o", str(tmp_path / name), "--json", *extra])
            assert exc.value.code == 0
            assert json.loads(capsys.readouterr().out)["n_ok"] == 4
            doc = json.loads((tmp_path / name / "results.json").read_text())
            outs.append({k: a["results"] for k, a in doc["analyses"].items()})
            prov = json.loads((tmp_path / name / "provenance.json").read_text())
            assert prov["scheduler"] == (
                "local threads" if name == "local" else cluster.scheduler_address
            )
    assert outs[0] == outs[1]


def test_progress_bar_runs(small_study: Path) -> None:
    plan = make_plan(load_study(small_study))
    quiet = _results_text(execute_plan(plan))
    assert _results_text(execute_plan(plan, progress=True)) == quiet
