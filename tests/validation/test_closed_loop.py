"""Closed-loop validation: analysing simulated data recovers the simulation's truth.

Uses the analysis functions of the other parts of tracerdiff (fitting, grain_boundary, models)
on data made by tracerdiff.simulate; see docs/validation.md for what each test establishes.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import erfc

from tracerdiff.fitting import ProfileData, fit_evolution, fit_profile, load_profile
from tracerdiff.grain_boundary import analyze_steps
from tracerdiff.history import Stage
from tracerdiff.models import effective_medium
from tracerdiff.models.arrhenius import fit_arrhenius
from tracerdiff.simulate import (
    bundled_demo_path,
    chain_d_eff,
    evolve_chain,
    homogenised_d_eff,
    llto_material,
    make_grain_chain,
    make_polycrystal,
    mean_intercept_um,
    simulate_line_scan,
)

T22 = 295.15
C0, CS = 0.0759, 0.95
MAT = llto_material()


def _profile(prof) -> ProfileData:
    return ProfileData.from_arrays(prof["x_um"].values, prof["C"].values, prof["C_err"].values)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_erfc_fit_of_a_line_scan_recovers_d_eff_and_the_harmonic_mean_k(seed: int) -> None:
    chain = make_grain_chain(10000.0, rng=seed)
    t = 40 * 86400.0  # sqrt(D_eff t) ~ 0.8 mm: ~50 grains per diffusion length
    c = evolve_chain(chain, MAT, [Stage(T22, t, "source")], c_initial=C0, c_source=CS)[0]
    x = np.arange(chain.n_cells) + 0.5
    prof = simulate_line_scan(x, c, positions_um=np.arange(25.0, 6000.0, 50.0), rng=seed)
    fit = fit_profile("erfc", _profile(prof), time_s=t, fix={"C_0": C0, "x0": 0.0})
    truth = chain_d_eff(chain, d_bulk=MAT.d_bulk(T22), k_median=MAT.k_gb(T22))
    assert fit.values["D_eff"] == pytest.approx(truth, rel=0.05)
    # the harmonic-mean k (the series model's convention): D_eff = <l> / (<l>/D_b + <1/k>)
    # inverted with the chain's measured mean grain length, against the chain's true <1/k>
    l_cm = float(np.mean(chain.grain_lengths_um()[1:-1])) * 1e-4
    k_harm = 1.0 / (l_cm / fit.values["D_eff"] - l_cm / MAT.d_bulk(T22))
    k_harm_true = MAT.k_gb(T22) / float(np.mean(1.0 / chain.k_factor))
    assert k_harm == pytest.approx(k_harm_true, rel=0.10)
    assert abs(k_harm / MAT.k_gb(T22) - 1) > 0.03  # the harmonic mean is not the median


def test_gb_step_analysis_recovers_k_per_boundary_and_its_harmonic_mean() -> None:
    db, km = MAT.d_bulk(T22), MAT.k_gb(T22)
    inside, k_fit, k_true = [], [], []
    for seed in range(6):
        chain = make_grain_chain(3000.0, cell_um=0.5, rng=seed)
        c = evolve_chain(
            chain, MAT, [Stage(T22, 59 * 3600.0, "source")], c_initial=C0, c_source=CS
        )[0]
        x = (np.arange(chain.n_cells) + 0.5) * 0.5
        n = 1e6  # counts per point: a profile averaged over many pixels and frames
        cm = np.random.default_rng(seed).binomial(int(n), c) / n
        gb = (chain.gb_faces + 1) * 0.5
        res = analyze_steps(x, cm, np.sqrt(cm * (1 - cm) / n), gb.tolist(), d_bulk=db, guard_um=0.6)
        for r, k, pos in zip(res, km * chain.k_factor, gb, strict=True):
            est = r.preferred
            if not 10.0 < pos < 300.0 or est is None or not r.analysable:
                continue
            inside.append(est.ci95.contains(float(k)))
            if r.well_measured:
                k_fit.append(est.k)
                k_true.append(k)
    assert len(inside) > 80
    assert np.mean(inside) >= 0.90  # 95 % Fieller sets (observed: conservative)
    assert len(k_fit) >= 10
    harm = 1 / np.mean(1 / np.asarray(k_fit))
    assert harm == pytest.approx(1 / np.mean(1 / np.asarray(k_true)), rel=0.10)


def test_activation_energy_of_k_from_the_demo_anneals() -> None:
    root = bundled_demo_path()
    truth = json.loads((root / "truth.json").read_text())
    temps, ks, kerr = [], [], []
    for s in "BCDE":
        st = truth["samples"][s]["steps"][1]
        T, dt = st["stage"]["temperature_K"], st["stage"]["duration_s"]
        fit = fit_evolution(
            load_profile(root / f"{s}_scan1.csv"),
            [load_profile(root / f"{s}_scan2.csv")],
            times_s=[dt],
            domain_um=(0.0, 10000.0),
        )
        d, db = fit.values["D_eff"], MAT.d_bulk(T)
        l_cm = 16e-4
        assert l_cm * MAT.k_gb(T) / db < 1.0  # Bi < 1: the GB term dominates
        k = 1.0 / (l_cm * (1.0 / d - 1.0 / db))  # series model inverted
        temps.append(T)
        ks.append(k)
        kerr.append(k * fit.stderr["D_eff"] / d / (1.0 - d / db))
    arr = fit_arrhenius(np.array(temps), np.array(ks), np.array(kerr))
    assert arr.to_dict()["Ea"]["value"] == pytest.approx(MAT.ea_k_eV, abs=0.05)


def test_erfc_fit_of_the_demo_map_recovers_the_2d_homogenised_d_eff() -> None:
    from tracerdiff.imaging import fraction_map, line_profile
    from tracerdiff.io.dispatch import open_images

    root = bundled_demo_path()
    truth = json.loads((root / "truth.json").read_text())["samples"]["A"]
    d_true = truth["D_eff_homogenised_by_T_K"]["295.15"]["value"]  # 2D, ~1.45x the series value
    fmap = fraction_map(open_images([root / "A_map1_6Li.txt", root / "A_map1_7Li.txt"]))
    # the whole 200 um height as the profile width: the 2D field averaged across y
    prof = line_profile(fmap, start_um=(0.5, 100.0), end_um=(499.5, 100.0), width_um=199.0)
    data = ProfileData.from_arrays(
        prof["x_um"].values + 0.5, prof["C"].values, prof["C_err"].values
    )
    fit = fit_profile("erfc", data, time_s=59 * 3600.0, fix={"C_0": C0, "x0": 0.0})
    assert fit.values["D_eff"] == pytest.approx(d_true, rel=0.05)  # observed +2.5 %
    # the default error (counting + grain sampling) holds the truth and stays meaningful
    err = fit.stderr["D_eff"]  # observed 9.3 %, the truth 0.3 errors away
    assert abs(fit.values["D_eff"] - d_true) < 2.0 * err
    assert err / fit.values["D_eff"] < 0.2
    assert fit.values["C_s"] == pytest.approx(CS, abs=0.01)


def test_series_model_with_the_2d_geometric_factor_matches_the_homogenised_d_eff() -> None:
    db, km = MAT.d_bulk(T22), MAT.k_gb(T22)
    for seed in (0,):
        poly = make_polycrystal((200, 600), rng=seed)
        truth = homogenised_d_eff(poly, d_bulk=db, k_median=km, gb_faces="corrected")
        k_geo = km * float(np.exp(np.mean(np.log(poly.k_factor))))  # 2D: geometric mean
        li = mean_intercept_um(poly.labels, pixel_size_um=1.0)
        hexa = effective_medium(d_bulk=db, grain_um=li, k=k_geo, model="hex")
        assert hexa.to_dict()["D_eff"]["value"] == pytest.approx(truth, rel=0.15)
        plain = effective_medium(d_bulk=db, grain_um=li, k=k_geo, model="series")
        assert plain.to_dict()["D_eff"]["value"] < 0.85 * truth  # the 1D formula is off


def _coverage(n_repeats: int) -> float:
    d, t = 2e-9, 40 * 86400.0
    x = np.arange(6000) + 0.5
    c = C0 + (CS - C0) * erfc(x * 1e-4 / (2 * np.sqrt(d * t)))
    pos = np.arange(25.0, 6000.0, 50.0)
    hits = 0
    for s in range(n_repeats):
        prof = simulate_line_scan(x, c, positions_um=pos, rng=1000 + s)
        lo, hi = fit_profile("erfc", _profile(prof), time_s=t, fix={"x0": 0.0}).ci95["D_eff"]
        hits += int(lo is not None and hi is not None and lo <= d <= hi)
    return hits / n_repeats


def test_d_eff_intervals_have_their_nominal_coverage() -> None:
    assert 0.90 <= _coverage(100) <= 0.99


@pytest.mark.slow
def test_d_eff_interval_coverage_many_repeats() -> None:
    assert 0.92 <= _coverage(500) <= 0.98
