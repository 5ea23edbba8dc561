"""Conductivities, brick layer and D_sigma from fits: values from the generating circuit,
errors by hand from the covariance, coverage of sigma over seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.impedance import (
    Geometry,
    ImpedanceOptions,
    analyze_spectrum,
    make_spectrum,
)

from .conftest import AREA_CM2, FREQ, THICKNESS_CM, TRUTH, noisy_spectrum, pellet_z

K_B, E = 1.380649e-23, 1.602176634e-19
GEOM = Geometry(THICKNESS_CM, AREA_CM2)


def _noiseless(**kw: object) -> object:
    z = pellet_z()
    opts = ImpedanceOptions(geometry=GEOM, **kw)  # type: ignore[arg-type]
    return analyze_spectrum(make_spectrum(FREQ, z.real, z.imag), opts)


def test_conductivities_from_the_truth() -> None:
    r = _noiseless(temperature_K=295.15, density_cm3=5e21)
    cell = THICKNESS_CM / AREA_CM2
    sig_b, sig_g = cell / TRUTH["R1"], cell / TRUTH["R2"]
    assert r.value("sigma_bulk")[0] == pytest.approx(sig_b, rel=1e-6)
    assert r.value("sigma_gb_apparent")[0] == pytest.approx(sig_g, rel=1e-6)
    assert r.value("sigma_total")[0] == pytest.approx(cell / (TRUTH["R1"] + TRUTH["R2"]), rel=1e-6)
    # Nernst-Einstein written out in SI: sigma [S/m] k T / (n [m^-3] e^2) [m^2/s] -> cm^2/s
    d_b = (sig_b * 100) * K_B * 295.15 / (5e21 * 1e6 * E**2) * 1e4
    assert r.value("D_sigma_bulk")[0] == pytest.approx(d_b, rel=1e-6)
    assert r.status == "ok"


def test_brick_layer_routes() -> None:
    r = _noiseless(delta_nm=0.5, grain_size_um=16.0)
    app = r.value("sigma_gb_apparent")[0]
    assert r.value("sigma_gb_specific")[0] == pytest.approx(app * 0.5e-7 / 16e-4, rel=1e-9)
    cb = (TRUTH["CPE1_Q"] * TRUTH["R1"] ** 0.05) ** (1 / 0.95)
    cg = (TRUTH["CPE2_Q"] * TRUTH["R2"] ** 0.15) ** (1 / 0.85)
    c_route = r.derived.values["sigma_gb_specific_capacitance"][0]
    assert c_route == pytest.approx(app * cb / cg, rel=1e-4)
    only_c = _noiseless()
    assert only_c.value("sigma_gb_specific")[0] == pytest.approx(c_route, rel=1e-9)


def test_errors_by_hand_keep_correlations() -> None:
    g = Geometry(THICKNESS_CM, AREA_CM2, 0.002, 0.004)
    r = analyze_spectrum(noisy_spectrum(8), ImpedanceOptions(geometry=g))
    a = r.assignment
    names = [a.bulk_r or "", a.gb_r or ""]
    cov = r.fit.sub_covariance(names)
    rb, rg = (r.fit.value(n) for n in names)
    rel_geom = (0.002 / THICKNESS_CM) ** 2 + (0.004 / AREA_CM2) ** 2
    s_b, e_b = r.value("sigma_bulk")
    assert e_b == pytest.approx(s_b * math.sqrt(cov[0, 0] / rb**2 + rel_geom), rel=1e-3)
    s_t, e_t = r.value("sigma_total")
    var_rt = cov[0, 0] + cov[1, 1] + 2 * cov[0, 1]
    assert e_t == pytest.approx(s_t * math.sqrt(var_rt / (rb + rg) ** 2 + rel_geom), rel=1e-3)


def test_sigma_intervals_cover() -> None:
    cell = THICKNESS_CM / AREA_CM2
    hits = []
    for seed in range(20, 36):
        r = analyze_spectrum(noisy_spectrum(seed), ImpedanceOptions(geometry=GEOM))
        v, e = r.value("sigma_total")
        assert e is not None
        hits.append(abs(v - cell / (TRUTH["R1"] + TRUTH["R2"])) < 1.96 * e)
    assert np.mean(hits) >= 0.8


def test_without_geometry_only_r_and_c() -> None:
    z = pellet_z()
    r = analyze_spectrum(make_spectrum(FREQ, z.real, z.imag))
    d = r.to_dict()
    assert {"R_bulk", "R_gb", "C_bulk", "C_gb"} <= set(d)
    assert not any(k.startswith(("sigma", "D_sigma")) for k in d)
    assert any("no thickness and area" in n for n in d["notes"])


def test_single_gb_arc_uses_r0_as_bulk() -> None:
    """Bulk arc above the measured range: R0 is the bulk, the one arc the GB."""
    f = np.logspace(5, -1, 50)
    z = pellet_z(f=f)
    opts = ImpedanceOptions(circuit="R0-p(R2,CPE2)-CPE3", geometry=GEOM)
    r = analyze_spectrum(make_spectrum(f, z.real, z.imag), opts)
    assert r.assignment.bulk_r == "R0" and r.assignment.gb_r == "R2"
    assert r.value("R_bulk")[0] == pytest.approx(TRUTH["R1"], rel=0.02)
    assert r.value("R_gb")[0] == pytest.approx(TRUTH["R2"], rel=0.02)


def test_failed_fit_reports_no_numbers() -> None:
    r = analyze_spectrum(noisy_spectrum(1), ImpedanceOptions(geometry=GEOM, circuit="p(R1,C1)"))
    if r.success:  # one RC cannot describe two arcs and an electrode: a poor fit at least
        assert r.fit.chi2_red > 1e-2
    else:
        d = r.to_dict()
        assert d["status"] == "failed" and "sigma_bulk" not in d


def test_bad_options() -> None:
    with pytest.raises(InputError, match="thickness"):
        Geometry(0.0, 1.0)
    with pytest.raises(InputError, match="both"):
        _noiseless(delta_nm=0.5)
    with pytest.raises(InputError, match="roles"):
        _noiseless(roles={"bulk": "R9"})
