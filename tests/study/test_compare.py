"""Comparisons: JSON pointers into the truth file, published values, notes when data are missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracerdiff.study.compare import evaluate_comparisons, lookup, resolve_pointer
from tracerdiff.study.load import load_study
from tracerdiff.study.outcome import AnalysisOutcome


def test_pointer_and_lookup() -> None:
    doc = {"a": {"b/c": [1, {"d": 2}]}, "m~n": 3}
    assert resolve_pointer(doc, "/a/b~1c/1/d") == 2
    assert resolve_pointer(doc, "/m~0n") == 3
    assert lookup({"x": [5, 6]}, ["x", "1"]) == 6
    with pytest.raises(KeyError):
        lookup({"x": 1}, ["y"])


def _study(folder: Path, comparisons: str) -> Path:
    (folder / "truth.json").write_text(
        json.dumps({"s": {"D": {"value": 2e-9, "unit": "cm^2/s"}}, "plain": 0.5})
    )
    (folder / "study.toml").write_text(
        '[study]\ntitle = "c"\n[sample]\nmaterial = "x"\n'
        '[[analyses]]\nid = "a"\ntype = "series_model"\nk = "1e-6 cm/s"\n' + comparisons
    )
    return folder / "study.toml"


def test_comparisons(tmp_path: Path) -> None:
    st = load_study(
        _study(
            tmp_path,
            """
[[comparisons]]
label = "ok"
result = "a.D_eff"
truth = "truth.json#/s/D"
published = "3.0e-9 cm^2/s"
[[comparisons]]
label = "plain number truth"
result = "a.Bi"
truth = "truth.json#/plain"
published = "0.5"
[[comparisons]]
label = "missing"
result = "a.nothing"
truth = "truth.json#/s/E"
""",
        )
    )
    ok = AnalysisOutcome(
        id="a",
        type="series_model",
        title="",
        status="ok",
        results={"D_eff": {"value": 2.2e-9, "stderr": 0.1e-9, "unit": "cm^2/s"}, "Bi": 0.25},
    )
    rows = evaluate_comparisons(st, [ok])
    assert rows[0]["ratio_to_truth"] == pytest.approx(1.1)
    assert rows[0]["ratio_to_published"] == pytest.approx(2.2 / 3.0)
    assert rows[0]["truth_within_2_stderr"] is True
    assert rows[0]["n_errors"] == pytest.approx(2.0) and rows[0]["truth_within_3_stderr"]
    assert rows[0]["relative_stderr"] == pytest.approx(0.1 / 2.2)
    assert rows[1]["relative_stderr"] is None and rows[2]["relative_stderr"] is None
    assert rows[0]["note"] == ""  # the distance in errors is n_errors (its own report column)
    assert rows[1]["n_errors"] is None and "no standard error" in rows[1]["note"]
    assert rows[0]["published"] == {"value": 3.0e-9, "stderr": None, "unit": "cm^2/s"}
    assert rows[1]["recovered"]["value"] == 0.25 and rows[1]["ratio_to_truth"] == 0.5
    assert rows[1]["published"]["unit"] == ""
    assert rows[2]["recovered"] is None and rows[2]["truth"] is None
    assert "no result 'nothing' in 'a'" in rows[2]["note"]
    assert "truth 'truth.json#/s/E' not found" in rows[2]["note"]
    failed = AnalysisOutcome(id="a", type="series_model", title="", status="failed", reason="x")
    assert evaluate_comparisons(st, [failed])[0]["note"] == "analysis 'a' failed"
