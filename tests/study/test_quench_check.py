"""The study's quench_check: D_b (which decides for maps) checked beside D_eff in one analysis."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tracerdiff.errors import ConfigError
from tracerdiff.models import fit_arrhenius
from tracerdiff.study.adapters_models import run_quench
from tracerdiff.study.schema import QuenchCheckSpec
from tracerdiff.study.tasks import Inputs

K_B = 8.617333262e-5
TEMPS = np.array([253.15, 295.15, 373.15, 473.15])


def _law(d22: float, ea: float, label: str) -> Any:
    d = d22 * np.exp(-ea / K_B * (1 / TEMPS - 1 / 295.15))
    return SimpleNamespace(objects={"arrhenius": fit_arrhenius(TEMPS, d, 0.01 * d, label=label)})


def _inputs() -> Inputs:
    ups: Any = {"arrDeff": _law(2.2e-9, 0.42, "D_eff"), "arrDb": _law(2.6e-8, 0.35, "D_b")}
    study: Any = SimpleNamespace(sample=SimpleNamespace())
    return Inputs(
        study=study,
        base_dir=Path("."),
        datasets={},
        timings={},
        upstream=ups,
        seed=np.random.SeedSequence(1),
    )


def _spec(**keys: Any) -> QuenchCheckSpec:
    base = {"id": "q", "type": "quench_check", "stage_temperature": "-110 degC"}
    return QuenchCheckSpec.model_validate({**base, "time": "5 h", "resolution": "1 um", **keys})


def test_bulk_law_is_checked_beside_d_eff() -> None:
    spec = _spec(arrhenius="arrDeff", bulk_arrhenius="arrDb")
    assert spec.depends_on() == ["arrDeff", "arrDb"]
    out = run_quench(spec, _inputs())
    checks = out.results["checks"]
    assert set(checks) == {"D_eff", "D_b"}
    # D_b(-110 C) of the 0.35 eV law from 2.6e-8 cm^2/s at 22 C: sqrt(2 D t) over 5 h ~ 1.17 um
    d_b = 2.6e-8 * math.exp(-0.35 / K_B * (1 / 163.15 - 1 / 295.15))
    length = math.sqrt(2 * d_b * 5 * 3600) * 1e4
    assert checks["D_b"]["length_total"]["value"] == pytest.approx(length, rel=1e-3)
    assert checks["D_eff"]["length_total"]["value"] < 0.3
    assert out.results["frozen"] is False  # D_b decides: 1.17 um >= 1 um
    assert not out.results["notes"]  # no "no D_b given" note
    assert "D_eff and D_b" in out.methods


def test_bulk_law_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match="already the D_b law"):
        run_quench(_spec(arrhenius="arrDb", bulk_arrhenius="arrDb"), _inputs())
