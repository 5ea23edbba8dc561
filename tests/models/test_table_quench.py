"""Arrhenius CSV tables and the cryo quench check."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import DataError, FileFormatError, InputError
from tracerdiff.history import arrhenius_D
from tracerdiff.models import (
    fit_arrhenius,
    fit_arrhenius_table,
    nernst_einstein_d,
    quench_check,
    read_arrhenius_table,
)
from tracerdiff.units import K_B_EV


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_read_celsius_and_errors(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "# tracer\nT_C,D,D_err\n22,2.2e-9,2e-10\n200,6.6e-7,5e-8\n")
    tab = read_arrhenius_table(p)
    assert tab.temperature_K.tolist() == pytest.approx([295.15, 473.15])
    assert tab.D_err is not None and tab.source == "D"
    r = fit_arrhenius_table(p)
    assert r.label == "d" and r.ea_eV > 0


def test_sigma_column_is_converted(tmp_path: Path) -> None:
    p = _write(tmp_path / "s.csv", "T_K,sigma,sigma_err\n300,1e-3,1e-4\n400,1e-2,1e-3\n")
    tab = read_arrhenius_table(p, density_cm3=5e21)
    assert tab.D[0] == pytest.approx(nernst_einstein_d(1e-3, 300.0, density_cm3=5e21))
    assert tab.D_err is not None and tab.D_err[0] == pytest.approx(0.1 * tab.D[0])
    with pytest.raises(InputError, match="density"):
        read_arrhenius_table(p)


@pytest.mark.parametrize(
    ("text", "exc", "match"),
    [
        ("T_K,D\n22,1e-9\n200,1e-7\n", InputError, "looks like degrees C"),
        ("T_K,D\n300,1e-9\n400,-1e-7\n", DataError, "> 0"),
        ("T_K,sigma\n300,0\n400,1e-3\n", DataError, "sigma"),
        ("T_K,D\n300,1e-9\n", InputError, "2 different temperatures"),
        ("T_K,D\n", InputError, "no data"),
        ("Temp,D\n300,1e-9\n", FileFormatError, "T_K"),
        ("T_K,D\n300,abc\n", FileFormatError, "not a number"),
    ],
)
def test_bad_tables(tmp_path: Path, text: str, exc: type[Exception], match: str) -> None:
    p = _write(tmp_path / "bad.csv", text)
    with pytest.raises(exc, match=match):
        fit_arrhenius_table(p, density_cm3=5e21)


def test_allow_cold(tmp_path: Path) -> None:
    p = _write(tmp_path / "cold.csv", "T_K,D\n20,1e-20\n40,1e-15\n")
    assert fit_arrhenius_table(p, allow_cold=True).ea_eV > 0


def _fit_through(d_at: float, t_at: float, ea: float) -> object:
    d0 = d_at * math.exp(ea / (K_B_EV * t_at))
    t = np.linspace(290, 480, 6)
    d = arrhenius_D(t, d0, ea)
    return fit_arrhenius(t, d, 0.02 * d)


def test_paper_quench_length() -> None:
    fit = _fit_through(1e-14, 163.15, 0.43)
    q = quench_check(
        {"D_eff": fit},
        stage_K=163.15,
        time_s=5 * 3600,  # type: ignore[dict-item]
        resolution_um=1.0,
    )
    c = q.checks[0]
    assert c.d_stage == pytest.approx(1e-14, rel=1e-6)
    assert c.length_image_um == pytest.approx(0.19, abs=0.01)
    assert q.frozen and c.length_total_upper_um > c.length_total_um
    # warmest stage T: sqrt(2 D(T) t) = 1 um
    d_max = (1e-4) ** 2 / (2 * 5 * 3600)
    t_w = q.warmest_K
    assert t_w is not None
    assert float(fit.predict(t_w).D[0]) == pytest.approx(d_max, rel=1e-3)  # type: ignore[attr-defined]
    assert q.warmest_upper_K is not None and q.warmest_upper_K < t_w


def test_bulk_relaxes_and_ramp_adds() -> None:
    eff = _fit_through(1e-14, 163.15, 0.43)
    bulk = _fit_through(2.6e-8, 295.15, 0.35)
    fits = {"D_eff": eff, "D_b": bulk}
    q = quench_check(fits, stage_K=163.15, time_s=5 * 3600, resolution_um=1.0)  # type: ignore[arg-type]
    by = {c.name: c for c in q.checks}
    assert 0.3 < by["D_b"].length_image_um < 3.0  # science.md: ~0.5-2.6 um
    ramp = quench_check(
        fits,
        stage_K=163.15,
        time_s=5 * 3600,
        resolution_um=1.0,  # type: ignore[arg-type]
        ramp_from_K=295.15,
        ramp_rate_K_s=0.05,
    )
    rb = {c.name: c for c in ramp.checks}["D_b"]
    assert rb.length_ramp_um > 0
    assert rb.length_total_um == pytest.approx(math.hypot(rb.length_image_um, rb.length_ramp_um))
    assert ramp.to_dict()["checks"]["D_b"]["length_ramp"]["unit"] == "um"
    with pytest.raises(InputError):
        quench_check(
            fits,
            stage_K=163.15,
            time_s=1.0,
            resolution_um=1.0,  # type: ignore[arg-type]
            ramp_from_K=295.0,
        )
