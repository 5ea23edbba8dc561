"""The Python API's promises (issue 11, section 7): readers feed fits, results expose their
quantities as attributes, ``open`` stays out of ``__all__``, unit suffixes follow one rule, one
Arrhenius evaluator and one table fit, and no two public classes share the name ``Stage``."""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import tracerdiff
from tracerdiff import (
    arrhenius_D,
    effective_medium,
    erfc_profile,
    fit_arrhenius,
    fit_profile,
    haven_ratio,
    nernst_einstein,
    read_profile_csv,
    write_profile_csv,
)
from tracerdiff.results import Quantity
from tracerdiff.simulate import simulate_line_scan

D_TRUE, T_S = 1e-10, 3600.0


def _scan() -> xr.Dataset:
    x = np.arange(0.05, 60.0, 0.1)
    c = erfc_profile(x, C_s=0.9, C_0=0.076, D=D_TRUE, time_s=T_S)
    return simulate_line_scan(x, c, positions_um=np.arange(2.0, 50.0, 2.0), raster_um=2.0, rng=11)


def test_fit_profile_takes_what_read_profile_csv_returns(tmp_path: Path) -> None:
    scan = _scan()
    write_profile_csv(scan, tmp_path / "scan.csv")
    prof = read_profile_csv(tmp_path / "scan.csv")
    res = fit_profile("erfc", prof, time_s=T_S)
    direct = fit_profile("erfc", scan, time_s=T_S)
    assert res.success and res.status == "ok" and res.D_eff.stderr is not None
    assert abs(res.D_eff.value - D_TRUE) < 3 * res.D_eff.stderr
    assert res.D_eff.value == pytest.approx(direct.D_eff.value, rel=1e-6)


def test_fit_parameters_are_attributes() -> None:
    res = fit_profile("erfc", _scan(), time_s=T_S)
    for name in res.params:
        p = getattr(res, name)
        assert p.value == res.values[name]
        assert p.stderr == res.stderr.get(name)
        assert p.unit == res.units.get(name, "")
    assert res.D_eff.unit == "cm^2/s"
    with pytest.raises(AttributeError):
        _ = res.D_efff


def _same(q: Quantity, d: dict[str, object]) -> None:
    assert isinstance(q, Quantity)
    assert q.to_dict()["unit"] == d["unit"]
    assert q.value == pytest.approx(d["value"], rel=1e-12)
    if d["stderr"] is None:
        assert q.stderr is None
    else:
        assert q.stderr == pytest.approx(d["stderr"], rel=1e-12)


def test_model_results_expose_their_json_quantities_as_attributes() -> None:
    t = np.array([300.0, 350.0, 400.0, 450.0, 500.0])
    d = arrhenius_D(t, 0.05, 0.40) * np.exp(0.03 * np.random.default_rng(0).normal(size=5))
    arr = fit_arrhenius(t, d, 0.03 * d)
    js = arr.to_dict()
    for name in ("Ea", "D0", "D_ref"):
        _same(getattr(arr, name), js[name])
    assert arr.Ea.stderr is not None and abs(arr.Ea.value - 0.40) < 3 * arr.Ea.stderr

    eff = effective_medium(d_bulk=2.6e-8, grain_um=16.0, k=1e-5, k_err=1e-6)
    _same(eff.D_eff, eff.to_dict()["D_eff"])
    _same(eff.D_gb_over_delta, eff.to_dict()["D_gb_over_delta"])
    # series model, l >> delta: 1/D_eff = 1/D_b + 1/(l k)
    assert eff.D_eff.value == pytest.approx(1 / (1 / 2.6e-8 + 1 / (16e-4 * 1e-5)), rel=1e-3)

    h = haven_ratio(1.0e-9, 2.5e-9, d_tracer_err=0.1e-9, d_sigma_err=0.2e-9)
    _same(h.H_R, h.to_dict()["haven_ratio"])
    assert h.H_R.stderr == pytest.approx(0.4 * math.hypot(0.1, 0.08))

    ne = nernst_einstein(1e-3, 300.0, density_cm3=5e21, sigma_err=1e-4)
    _same(ne.D_sigma, ne.to_dict()["D_sigma"])


def test_open_is_an_alias_but_not_exported() -> None:
    assert "open" not in tracerdiff.__all__
    assert tracerdiff.open is tracerdiff.open_dataset
    namespace: dict[str, object] = {}
    exec("from tracerdiff import *", namespace)
    assert namespace.get("open") is None  # the builtin stays unshadowed


#: length-like parameter names of public functions: they carry their unit
_LENGTH = re.compile(r"^(grain|delta|width|guard|resolution|window|length|line_width|min_grain)")
_UNIT_SUFFIX = re.compile(r"_(um|nm|cm)$")
#: closed-form model kernels: CGS, lengths in cm (docs/architecture.md, "Public API")
KERNELS_CM = ("classify_regime", "maxwell_garnett", "series_d_eff", "solve_gb_over_delta")
#: analyses: lengths in um, the GB width in nm
ANALYSES_UM_NM = ("analyze_profiles", "analyze_steps", "effective_medium")


def _public_functions() -> dict[str, inspect.Signature]:
    out = {}
    for name in tracerdiff.__all__:
        obj = getattr(tracerdiff, name)
        if inspect.isfunction(obj):
            out[name] = inspect.signature(obj)
    return out


#: length-like names that are not one length: a count of points, (position, guard) pairs in um
NOT_A_LENGTH = {("detect_steps", "guard_points"), ("analyze_profiles", "window_stops")}


def test_length_parameters_carry_a_unit_suffix() -> None:
    bad = [
        f"{fn}({name})"
        for fn, sig in _public_functions().items()
        for name, p in sig.parameters.items()
        if _LENGTH.match(name)
        and not _UNIT_SUFFIX.search(name)
        and p.annotation not in ("str", str)  # quantity text with its unit, e.g. "16 um"
        and (fn, name) not in NOT_A_LENGTH
    ]
    assert bad == []


def test_grain_size_and_gb_width_units_by_family() -> None:
    sigs = _public_functions()
    for fn in KERNELS_CM:
        params = set(sigs[fn].parameters)
        assert {"grain_cm", "delta_cm"} <= params, fn
    for fn in ANALYSES_UM_NM:
        params = set(sigs[fn].parameters)
        assert "delta_nm" in params and not params & {"grain_cm", "delta_cm"}, fn
    assert "grain_um" in sigs["effective_medium"].parameters
    mixed = [
        fn
        for fn, sig in sigs.items()
        if {p.rsplit("_", 1)[-1] for p in sig.parameters if p.startswith(("grain", "delta"))}
        >= {"um", "cm"}
    ]
    assert mixed == []


def test_one_arrhenius_evaluator_and_one_table_fit(tmp_path: Path) -> None:
    evaluators = [n for n in tracerdiff.__all__ if n.lower() in ("arrhenius", "arrhenius_d")]
    assert evaluators == ["arrhenius_D"]
    from tracerdiff import models

    assert "arrhenius" not in models.__all__ and "arrhenius_D" not in models.__all__
    # the table fit is the options function's keyword form: same numbers
    from tracerdiff.models.arrhenius_options import ArrheniusOptions, arrhenius_of_table

    t = np.array([300.0, 350.0, 400.0, 450.0])
    d = arrhenius_D(t, 0.05, 0.4)
    rows = "".join(f"{ti},{di:.6e},{0.05 * di:.6e}\n" for ti, di in zip(t, d, strict=True))
    (tmp_path / "t.csv").write_text("T_K,D,D_err\n" + rows)
    a = tracerdiff.fit_arrhenius_table(tmp_path / "t.csv", excess_scatter="birge")
    b = arrhenius_of_table(tmp_path / "t.csv", ArrheniusOptions(excess_scatter="birge"))
    assert a.to_dict() == b.to_dict()
    assert a.ea_eV == pytest.approx(0.4, abs=1e-4)


def test_no_two_classes_named_stage() -> None:
    from tracerdiff.history import Stage
    from tracerdiff.imaging import pipeline
    from tracerdiff.study import schema

    assert tracerdiff.Stage is Stage
    assert not hasattr(pipeline, "Stage") and pipeline.PipelineState.__name__ == "PipelineState"
    assert not hasattr(schema, "Stage") and schema.StageSpec.__name__ == "StageSpec"
    names = [
        obj.__qualname__
        for mod in (pipeline, schema)
        for obj in vars(mod).values()
        if inspect.isclass(obj) and obj.__module__ == mod.__name__
    ]
    assert "Stage" not in names
