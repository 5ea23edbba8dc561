"""series_model with ``d_eff_from``: k = D_gb/delta from D_eff and a bulk Arrhenius law, its
error propagation, the Arrhenius fit of the k values, and the schema's one-line errors."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tracerdiff.errors import ConfigError, DataError
from tracerdiff.study import load_study
from tracerdiff.study.adapters_models import run_arrhenius, run_series
from tracerdiff.study.fields import ValueErr
from tracerdiff.study.schema import ArrheniusSpec, SeriesModelSpec
from tracerdiff.study.tasks import Inputs

K_B = 8.617333262e-5
L_UM = 16.0
BULK = {"D_ref": "2.6e-8 cm^2/s", "T_ref": "22 degC", "Ea": "0.35 eV"}


def _d_bulk(t_k: float) -> float:
    return 2.6e-8 * math.exp(-0.35 / K_B * (1 / t_k - 1 / 295.15))


def _k_true(t_k: float) -> float:
    return 1.5e-6 * math.exp(-0.43 / K_B * (1 / t_k - 1 / 295.15))


def _d_eff(t_k: float) -> float:
    """Series model D_eff (cm^2/s) of grains of L_UM um (delta neglected)."""
    return 1.0 / (1.0 / _d_bulk(t_k) + 1.0 / (L_UM * 1e-4 * _k_true(t_k)))


def _inputs(
    upstream: dict[str, dict[str, Any]], *, d_bulk_temperature: float | None = None
) -> Inputs:
    sample = SimpleNamespace(
        d_bulk=2.6e-8,
        d_bulk_temperature=d_bulk_temperature,
        grain_size=ValueErr(L_UM, 11.0),
        gb_width=0.5,
    )
    ups: Any = {k: SimpleNamespace(results=v) for k, v in upstream.items()}
    study: Any = SimpleNamespace(sample=sample)
    return Inputs(
        study=study,
        base_dir=Path("."),
        datasets={},
        timings={},
        upstream=ups,
        seed=np.random.SeedSequence(1),
    )


def _evo(t_k: float, rel_err: float = 0.02) -> dict[str, Any]:
    d = _d_eff(t_k)
    return {
        "D_eff": {"value": d, "stderr": rel_err * d, "unit": "cm^2/s"},
        "temperature": {"value": t_k, "stderr": None, "unit": "K"},
    }


def _series(aid: str, src: str, **extra: Any) -> SeriesModelSpec:
    return SeriesModelSpec.model_validate(
        {"id": aid, "type": "series_model", "d_eff_from": src, **extra}
    )


def test_inversion_value_and_errors() -> None:
    t = 473.15
    out = run_series(_series("k200", "evo", d_bulk_arrhenius=BULK), _inputs({"evo": _evo(t)}))
    r = out.results
    k = _k_true(t)
    # delta = 0.5 nm adds (l + delta)/l - 1 = 3e-5 relative: well inside 1e-3
    assert r["D_gb_over_delta"]["value"] == pytest.approx(k, rel=1e-3)
    assert r["D_bulk"]["value"] == pytest.approx(_d_bulk(t), rel=1e-9)
    assert r["temperature"]["value"] == t
    # stderr from D_eff only: dk/dD_eff = l k^2 / D_eff^2
    d = _d_eff(t)
    expected = L_UM * 1e-4 * k**2 / d**2 * 0.02 * d
    assert r["D_gb_over_delta"]["stderr"] == pytest.approx(expected, rel=1e-3)
    # grain-size part reported separately: dk/dl = -k/l (series), times sd(l)
    grain_part = r["D_gb_over_delta_grain_err"]["value"]
    assert grain_part == pytest.approx(k / L_UM * 11.0, rel=1e-3)
    assert r["D_gb_over_delta"]["stderr"] < 0.2 * grain_part


def test_inversion_grain_size_stderr_is_the_standard_error_of_the_mean() -> None:
    # [sample] grain_size "16+-11 um": 11 um is the sd of single grains, not an uncertainty
    ups = {"evo": _evo(473.15)}
    r = run_series(_series("k", "evo", d_bulk_arrhenius=BULK), _inputs(ups)).results
    assert r["grain_size"]["stderr"] is None
    assert r["grain_size"]["note"] == "sd of single grains 11 um"
    spec = _series("k", "evo", d_bulk_arrhenius=BULK, grain_size_error="0.6 um")
    r = run_series(spec, _inputs(ups)).results
    assert r["grain_size"]["stderr"] == pytest.approx(0.6)
    # and it enters k's stderr: relative errors of D_eff (x dlnk/dlnD) and of l in quadrature
    k, d = r["D_gb_over_delta"]["value"], _d_eff(473.15)
    rel_d = L_UM * 1e-4 * k / d * 0.02
    assert r["D_gb_over_delta"]["stderr"] / k == pytest.approx(
        math.hypot(rel_d, 0.6 / L_UM), rel=1e-3
    )


def test_arrhenius_of_k_recovers_gb_energy() -> None:
    temps = [295.15, 373.15, 473.15, 523.15]
    ups: dict[str, dict[str, Any]] = {f"evo{i}": _evo(t) for i, t in enumerate(temps)}
    for i in range(len(temps)):
        inp = _inputs(ups)
        ups[f"k{i}"] = run_series(_series(f"k{i}", f"evo{i}", d_bulk_arrhenius=BULK), inp).results
    ids = [f"k{i}" for i in range(len(temps))]
    spec = ArrheniusSpec.model_validate(
        {"id": "arrK", "type": "arrhenius", "from_analyses": ids, "key": "D_gb_over_delta"}
    )
    k_fit = run_arrhenius(spec, _inputs(ups)).results["Ea"]["value"]
    d_spec = ArrheniusSpec.model_validate(
        {"id": "arrD", "type": "arrhenius", "from_analyses": [f"evo{i}" for i in range(4)]}
    )
    d_fit = run_arrhenius(d_spec, _inputs(ups)).results["Ea"]["value"]
    assert k_fit == pytest.approx(0.43, abs=2e-3)
    assert 0.35 < d_fit < 0.425  # D_eff mixes bulk and GB energies


def test_single_temperature_bulk_must_match() -> None:
    ups = {"evo": _evo(473.15)}
    with pytest.raises(ConfigError, match="give d_bulk_arrhenius"):
        run_series(_series("k", "evo"), _inputs(ups, d_bulk_temperature=295.15))
    slow = {"evo": {**_evo(473.15), "D_eff": {"value": 1e-5, "stderr": None}}}
    with pytest.raises(DataError, match="not slow GBs"):
        run_series(_series("k", "evo", d_bulk_arrhenius=BULK), _inputs(slow))


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        (
            'k = "1.5e-6 cm/s"\nd_eff_from = "gb_prof"\n',
            "d_eff_from",
            "give d_eff_from (solve for k) or k / k_from",
        ),
        (
            'd_eff_from = "gb_prof"\nd_bulk_arrhenius = { D_ref = "2.6e-8 cm^2/s", '
            'T_ref = "22 degC", Ea = "0.35 cm" }\n',
            "d_bulk_arrhenius.Ea",
            "expected something like '1.0 eV'",
        ),
    ],
)
def test_schema_errors_name_the_key(
    mini_study: Path, tmp_path: Path, extra: str, key: str, expected: str
) -> None:
    for f in mini_study.parent.iterdir():
        if f.is_file():
            (tmp_path / f.name).write_bytes(f.read_bytes())
    text = mini_study.read_text(encoding="utf-8")
    bad = text + '\n[[analyses]]\nid = "kinv"\ntype = "series_model"\n' + extra
    p = tmp_path / "bad.toml"
    p.write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_study(p)
    msg = str(exc.value)
    assert f"{key}: " in msg, msg
    assert expected in msg, msg
    assert "\n" not in msg
