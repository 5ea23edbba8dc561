"""series_model with ``model = "hex"``: the study's analysis gives the 2D slow-GB value
D_eff = 1/(1/D_b + 1/(g k L)), g = 4/pi with the mean intercept L, computed here by hand."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tracerdiff.study.adapters_models import run_series
from tracerdiff.study.fields import ValueErr
from tracerdiff.study.schema import SeriesModelSpec
from tracerdiff.study.tasks import Inputs


def _inputs(upstream: dict[str, dict[str, Any]]) -> Inputs:
    sample = SimpleNamespace(
        d_bulk=2.6e-8, d_bulk_temperature=None, grain_size=ValueErr(16.0, 11.0), gb_width=0.5
    )
    ups: Any = {k: SimpleNamespace(results=v) for k, v in upstream.items()}
    return Inputs(
        study=SimpleNamespace(sample=sample),
        base_dir=Path("."),  # type: ignore[arg-type]
        datasets={},
        timings={},
        upstream=ups,
        seed=np.random.SeedSequence(1),
    )


def test_hex_model_value_and_the_k_error_it_carries() -> None:
    k, k_err, li, li_se = 1.4e-6, 0.3e-6, 18.0, 0.5

    def q(value: float, stderr: float | None, unit: str) -> dict[str, Any]:
        return {"value": value, "stderr": stderr, "unit": unit}

    ups = {
        "gb": {"k_harmonic_mean": q(k, k_err, "cm/s")},
        "gr": {"mean_linear_intercept": q(li, li_se, "um"), "ecd_sd": q(10.8, None, "um")},
    }
    spec = SeriesModelSpec.model_validate(
        {"id": "s", "type": "series_model", "model": "hex", "k_from": "gb", "grain_size_from": "gr"}
    )
    d = run_series(spec, _inputs(ups)).results["D_eff"]
    x = 4.0 / math.pi * k * li * 1e-4  # slow-GB conductance of 2D hexagons, by the intercept
    expect = 1.0 / (1.0 / 2.6e-8 + 1.0 / x)
    assert d["value"] == pytest.approx(expect, rel=1e-9)
    # first order: d ln D / d ln k = d ln D / d ln L = D / x (D_b fixed)
    rel = expect / x * math.hypot(k_err / k, li_se / li)
    assert d["stderr"] == pytest.approx(rel * expect, rel=0.02)
    series = SeriesModelSpec.model_validate(
        {"id": "s", "type": "series_model", "k_from": "gb", "grain_size_from": "gr"}
    )
    assert run_series(series, _inputs(ups)).results["D_eff"]["value"] < 0.85 * expect
