"""`run_study` end to end on the fixture study: outputs, failures, atomicity, refusal."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tracerdiff.errors import OutputExistsError
from tracerdiff.study import run_study
from tracerdiff.study.runner import RunResult


def _quantities(obj: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    out = []
    if isinstance(obj, dict):
        if "value" in obj and ("unit" in obj or "stderr" in obj):
            return [(path, obj)]
        for k, v in obj.items():
            out += _quantities(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _quantities(v, f"{path}[{i}]")
    return out


def test_outputs_written(fixture_run: RunResult) -> None:
    out = fixture_run.out_dir
    for name in ("report.html", "results.json", "provenance.json"):
        assert (out / name).is_file()
    assert sorted(p.name for p in (out / "tables").iterdir()) == [
        "arr_points.csv",
        "evo_B_fit.csv",
        "fit_B0_fit.csv",
        "gb_map_boundaries.csv",
        "gb_prof_boundaries.csv",
        "ne_d_sigma.csv",
    ]
    pngs = sorted((out / "figures").glob("*.png"))
    assert len(pngs) == 7 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert all(p.with_suffix(".svg").read_text().lstrip().startswith("<?xml") for p in pngs)
    assert [o.status for o in fixture_run.outcomes] == ["ok"] * 10
    leftovers = [p for p in out.parent.iterdir() if p.name.startswith(".out.tmp-")]
    assert leftovers == []


def test_results_json_quantities(fixture_run: RunResult) -> None:
    doc = json.loads((fixture_run.out_dir / "results.json").read_text())
    assert doc["format"] == "tracerdiff-results/1"
    qs = _quantities({k: a["results"] for k, a in doc["analyses"].items()})
    assert len(qs) > 30
    for path, q in qs:
        assert set(q) >= {"value", "stderr", "unit"}, path
    # parameters are kept as written in the study file, with their units
    assert doc["analyses"]["arr"]["params"]["points"][0]["temperature"] == "22 degC"
    arr = doc["analyses"]["arr"]["results"]
    assert arr["Ea"]["unit"] == "eV" and arr["Ea"]["value"] == pytest.approx(0.43, abs=0.02)
    gb = doc["analyses"]["gb_prof"]["results"]
    assert gb["n_boundaries"] == 3 and gb["k_harmonic_mean"]["unit"] == "cm/s"
    series = doc["analyses"]["series"]["results"]
    # the series model used the harmonic-mean k of gb_prof
    assert series["D_gb_over_delta"]["value"] == pytest.approx(gb["k_harmonic_mean"]["value"])
    assert doc["measurements"]["prof0"]["time_since_exchange"]["value"] == pytest.approx(
        59 * 3600 + 16 * 86400
    )
    evo, ea = doc["comparisons"]
    assert ea["truth"]["value"] == 0.43 and ea["ratio_to_truth"] == pytest.approx(1, abs=0.05)
    # the evolution fit recovers the D used to simulate the profiles (2 and 6 weeks)
    assert evo["truth"]["value"] == 3.0e-9 and evo["ratio_to_truth"] == pytest.approx(1, abs=0.03)
    assert evo["truth_within_2_stderr"] is True
    evo_res = doc["analyses"]["evo_B"]["results"]
    assert evo_res["temperature"]["value"] == pytest.approx(295.15)
    assert [t["value"] for t in evo_res["times_since_initial"]] == [14 * 86400, 42 * 86400]
    fit = doc["analyses"]["fit_B0"]["results"]
    assert fit["time_s"] == 110 * 3600 and fit["C_0"]["note"] == "fixed"
    assert fit["D_eff"]["value"] == pytest.approx(3.0e-9, rel=0.15)


def test_provenance(fixture_run: RunResult, fixture_study: Path) -> None:
    prov = json.loads((fixture_run.out_dir / "provenance.json").read_text())
    assert prov["kind"] == "tracerdiff-run"
    assert prov["study_file"]["text"] == fixture_study.read_text()
    assert prov["study_file"]["sha256"] == hashlib.sha256(fixture_study.read_bytes()).hexdigest()
    by_path = {f["path"]: f["sha256"] for f in prov["inputs"]}
    for name in ("map_6Li.txt", "map_7Li.txt", "profile.csv", "conductivity.csv", "B2.csv"):
        expect = hashlib.sha256((fixture_study.parent / name).read_bytes()).hexdigest()
        assert by_path[name] == expect
    assert prov["seeds"]["root"] == 7
    assert prov["seeds"]["analyses"]["series"] == {"entropy": 7, "spawn_key": [3]}
    assert prov["dependencies"]["numpy"] and prov["tracerdiff"]


def test_failing_analysis_reported_others_run(fixture_study: Path, tmp_path: Path) -> None:
    text = fixture_study.read_text()
    bad = text.replace('files = ["profile.csv"]', 'files = ["broken.csv"]').replace(
        'label = "tracer"', 'label = "tracer"\nfrom_analyses = ["series"]'
    )
    for f in fixture_study.parent.iterdir():
        if f.name != "study.toml":
            (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "broken.csv").write_text("x_um,C\n1,zz\n")
    (tmp_path / "study.toml").write_text(bad)
    res = run_study(tmp_path / "study.toml", tmp_path / "out")
    status = {o.id: (o.status, o.reason) for o in res.outcomes}
    assert status["gb_prof"][0] == "failed"
    assert "measurement 'prof0' could not be read" in status["gb_prof"][1]
    assert status["series"] == ("skipped", "skipped: it uses analysis 'gb_prof', which failed")
    assert status["arr"][0] == "skipped" and status["haven"][0] == "skipped"
    assert status["map"][0] == "ok" and status["ne"][0] == "ok"
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert doc["analyses"]["gb_prof"]["status"] == "failed"
    assert "could not be read" in doc["analyses"]["gb_prof"]["reason"]
    page = (tmp_path / "out" / "report.html").read_text()
    assert "measurement &#x27;prof0&#x27; could not be read" in page
    assert res.to_dict()["n_failed"] == 1 and res.to_dict()["n_skipped"] == 4


def test_refuses_non_empty_out_without_force(mini_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    for force in (False, True):  # a folder tracerdiff did not write is never replaced
        with pytest.raises(OutputExistsError, match="not written by tracerdiff"):
            run_study(mini_study, out, force=force)
        assert [p.name for p in out.iterdir()] == ["keep.txt"]
    out = tmp_path / "out2"
    run_study(mini_study, out)
    with pytest.raises(OutputExistsError, match="not empty; pass --force"):
        run_study(mini_study, out)
    res = run_study(mini_study, out, force=True)
    assert (out / "report.html").is_file()
    assert res.to_dict()["n_ok"] == 2
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)  # not left private like a temp dir


def test_failure_while_writing_leaves_nothing(
    mini_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tracerdiff.report.writer as writer

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(writer, "render_report", boom)
    with pytest.raises(OSError, match="disk full"):
        run_study(mini_study, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_unexpected_error_fails_one_analysis(mini_study: Path) -> None:
    from tracerdiff.study import execute_plan, load_study, make_plan
    from tracerdiff.study.adapters import RUNNERS
    from tracerdiff.study.tasks import Runner

    def broken(spec: Any, inputs: Any) -> Any:
        raise RuntimeError("adapter bug")

    runners = dict(RUNNERS, series_model=Runner(run=broken))
    gb, series = execute_plan(make_plan(load_study(mini_study)), runners=runners)
    assert gb.status == "ok"
    assert series.status == "failed"
    # only the type and where: the message of a foreign exception may quote an input file
    assert series.reason.startswith("RuntimeError (in test_runner.py:")
    assert "adapter bug" not in series.reason
