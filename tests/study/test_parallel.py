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
    return to_json([(o.id, o.status, o.results, [t.to_dict() for t in o.tables])
                    for o in outcomes])


def test_run_graph_refs_and_order() -> None:
    seeds = np.random.SeedSequence(3).spawn(2)
    nodes = [Node("a", _draw, (seeds[0],)), Node("b", _draw, (seeds[1],)),
             Node("c", _add, (Ref("a"), Ref("b")))]
    done: list[str] = []
    res = run_graph(nodes, scheduler="threads", on_done=done.append)
    assert res["c"] == pytest.approx(res["a"] + res["b"])
    assert res["a"] == _draw(np.random.SeedSequence(3, spawn_key=(0,)))
    assert sorted(done) == ["a", "b", "c"]
    with pytest.raises(InputError, match="duplicate task key"):
        run_graph([Node("a", _draw, (seeds[0],)), Node("a", _draw, (seeds[1],))])


SMALL = """\
[study]
title = "parallel"
seed = 99
[sample]
material = "LLTO"
grain_size = "16+-11 um"
d_bulk = "2.6e-8 cm^2/s"
[[measurements]]
id = "prof0"
kind = "profile"
files = ["profile.csv"]
[[analyses]]
id = "gb"
type = "gb_steps"
measurement = "prof0"
boundaries = [40.0, 80.0, 120.0]
[[analyses]]
id = "series"
type = "series_model"
k_from = "gb"
time = "6 weeks"
k_spread = 0.4
[[analyses]]
id = "series2"
type = "series_model"
k = "1.5e-6 cm/s"
model = "mg2"
"""


def test_serial_threads_and_cluster_identical(fixture_study: Path, tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    (tmp_path / "profile.csv").write_bytes((fixture_study.parent / "profile.csv").read_bytes())
    (tmp_path / "study.toml").write_text(SMALL)
    plan = make_plan(load_study(tmp_path / "study.toml"))
    serial = _results_text(execute_plan(plan, scheduler="sync"))
    threads = _results_text(execute_plan(plan, scheduler="threads"))
    assert threads == serial
    # the chain Monte Carlo of the series model draws random numbers: same stream everywhere
    assert '"chain": {' in serial.replace("\n", "").replace("  ", "")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
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


def test_cli_scheduler_option(fixture_study: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from distributed import LocalCluster

    from tracerdiff.cli.app import main

    (tmp_path / "profile.csv").write_bytes((fixture_study.parent / "profile.csv").read_bytes())
    (tmp_path / "study.toml").write_text(SMALL)
    outs = []
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        for name, extra in (("local", []), ("cluster", ["--scheduler",
                                                        cluster.scheduler_address])):
            with pytest.raises(SystemExit) as exc:
                main(["run", str(tmp_path / "study.toml"), "-o", str(tmp_path / name),
                      "--json", *extra])
            assert exc.value.code == 0
            assert json.loads(capsys.readouterr().out)["n_ok"] == 3
            doc = json.loads((tmp_path / name / "results.json").read_text())
            outs.append({k: a["results"] for k, a in doc["analyses"].items()})
            prov = json.loads((tmp_path / name / "provenance.json").read_text())
            assert prov["scheduler"] == ("local threads" if name == "local"
                                         else cluster.scheduler_address)
    assert outs[0] == outs[1]


def test_progress_bar_runs(fixture_study: Path, tmp_path: Path) -> None:
    (tmp_path / "profile.csv").write_bytes((fixture_study.parent / "profile.csv").read_bytes())
    (tmp_path / "study.toml").write_text(SMALL)
    plan = make_plan(load_study(tmp_path / "study.toml"))
    quiet = _results_text(execute_plan(plan))
    assert _results_text(execute_plan(plan, progress=True)) == quiet
