"""The grain-sampling error of fitted D_eff, result attributes, CSV position columns, x0."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.fitting import (
    STAND_IN_TEMPERATURE_K,
    GrainStatistics,
    ProfileData,
    elapsed_histories,
    fit_evolution,
    fit_profile,
    load_profile,
)
from tracerdiff.fitting.microstructure_error import (
    image_kernel,
    replace_rate,
    walk_rate_from_grains,
)
from tracerdiff.history import Stage, ThermalHistory
from tracerdiff.io import read_profile_csv
from tracerdiff.simulate import (
    evolve_chain,
    llto_material,
    make_grain_chain,
    simulate_line_scan,
)
from tracerdiff.simulate.chain import cut_chain
from tracerdiff.solutions import erfc_profile
from tracerdiff.solvers.exact import evolve_exact
from tracerdiff.solvers.fv1d import evolve_fv1d

X = np.arange(160) * 25.0 + 12.5
T110 = 110 * 3600.0
WEEK = 7 * 86400.0


def _homogeneous(seed: int) -> ProfileData:
    rng = np.random.default_rng(seed)
    c = erfc_profile(X, C_s=0.95, C_0=0.0759, D=8e-9, time_s=T110)
    return ProfileData.from_arrays(X, c + rng.normal(0, 0.01, X.size), np.full(X.size, 0.01))


def _chain_profile(seed: int) -> ProfileData:
    rng = np.random.default_rng(seed)
    chain = cut_chain(make_grain_chain(2300.0, rng=rng), int(rng.integers(0, 300)))
    (c,) = evolve_chain(
        chain,
        llto_material(),
        [Stage(295.15, 59 * 3600.0, "source")],
        c_initial=0.0759,
        c_source=0.95,
    )
    x = (np.arange(chain.n_cells) + 0.5) * chain.cell_um
    pos = np.arange(2.5, 800.0, 5.0)
    ds = simulate_line_scan(x, c, positions_um=pos, raster_um=5.0, counts_per_spot=1e5, rng=rng)
    return ProfileData.from_arrays(pos, ds["C"].values, ds["C_err"].values)


def test_homogeneous_profiles_keep_the_counting_error() -> None:
    """No grains: the default adds (almost) nothing and the intervals still cover."""
    hits, ratios = 0, []
    for seed in range(30):
        r = fit_profile("erfc", _homogeneous(500 + seed), time_s=T110)
        lo, hi = r.ci95["D_eff"]
        assert lo is not None and hi is not None
        hits += lo <= 8e-9 <= hi
        ratios.append((r.stderr["D_eff"] or 0) / (r.stderr_counting["D_eff"] or 1))
    assert hits >= 26
    assert float(np.median(ratios)) < 1.05
    assert float(np.mean(np.array(ratios) < 1.2)) >= 0.9


def test_chain_profile_gets_a_grain_sampling_term_and_a_chi2_note() -> None:
    r = fit_profile("erfc", _chain_profile(3), time_s=59 * 3600.0, fix={"C_0": 0.0759})
    s_c, s_m = r.stderr_counting["D_eff"], r.stderr_microstructure["D_eff"]
    assert s_c is not None and s_m is not None and s_m > 20 * s_c
    assert r.stderr["D_eff"] == pytest.approx(math.hypot(s_c, s_m), rel=1e-6)
    assert r.chi2_red > 2 and r.chi2_note is not None
    d = r.to_dict()
    assert d["D_eff"]["stderr"] == pytest.approx(r.stderr["D_eff"])
    for key in ("stderr_counting", "stderr_microstructure", "ci95_D_eff", "chi2_red"):
        assert key in d
    assert d["stderr_microstructure"]["unit"] == "cm^2/s"
    assert d["chi2_red_note"].startswith("chi2_red = ")
    assert "REML" in d["microstructure"]["method"] and d["microstructure"]["q_um"] > 0
    json.dumps(d)
    text = str(r)
    assert "WARNING: chi2_red" in text and "grain sampling ±" in text
    assert "{" not in text  # readable, not an object dump
    # the interval is the widened one: it holds D_eff +- ~2 total errors
    lo, hi = r.ci95["D_eff"]
    assert lo is not None and hi is not None
    assert math.log(hi / lo) == pytest.approx(2 * 1.96 * r.stderr["D_eff"] / r.D_eff.value, rel=0.1)


def test_grain_information_and_homogeneous_modes() -> None:
    prof = _chain_profile(4)
    grains = GrainStatistics(mean_um=16.0, sd_um=11.0, k_sigma_ln=0.4)
    rg = fit_profile("erfc", prof, time_s=59 * 3600.0, fix={"C_0": 0.0759}, microstructure=grains)
    q = walk_rate_from_grains(grains, rg.values["D_eff"])
    assert rg.microstructure["q_prior_um"] == pytest.approx(q)  # the prior's centre
    assert rg.microstructure["q_um"] > 0
    assert rg.microstructure["grains"]["grain_mean_um"] == 16.0
    rh = fit_profile(
        "erfc", prof, time_s=59 * 3600.0, fix={"C_0": 0.0759}, microstructure="homogeneous"
    )
    assert rh.stderr["D_eff"] == rh.stderr_counting["D_eff"]
    assert rh.stderr_microstructure["D_eff"] == 0.0
    assert "counting error only" in rh.microstructure["method"]
    with pytest.raises(InputError, match="microstructure"):
        fit_profile("erfc", prof, time_s=1.0, microstructure="polycrystal")
    with pytest.raises(InputError, match="grain size"):
        GrainStatistics(mean_um=0.0, sd_um=1.0)


def test_walk_rate_formula() -> None:
    g = GrainStatistics(mean_um=16.0, sd_um=8.0, k_sigma_ln=0.5)
    cv2 = 0.25 + math.expm1(0.25)
    assert walk_rate_from_grains(g, 1e-9) == pytest.approx(16.0 * cv2)
    gb = GrainStatistics(mean_um=16.0, sd_um=8.0, k_sigma_ln=0.5, d_bulk=4e-9)
    assert walk_rate_from_grains(gb, 1e-9) == pytest.approx(16.0 * 0.75**2 * cv2)
    assert walk_rate_from_grains(g, 1e-9, with_k=False) == pytest.approx(4.0)
    # a profile averaged across a strip: ~width / (3 E[l]) independent lateral walks
    wide = dataclasses.replace(g, width_um=96.0)
    assert walk_rate_from_grains(wide, 1e-9) == pytest.approx(16.0 * cv2 * 0.5)
    narrow = dataclasses.replace(g, width_um=20.0)  # narrower than 3 grains: a line
    assert walk_rate_from_grains(narrow, 1e-9) == pytest.approx(16.0 * cv2)
    assert wide.to_dict()["lateral_factor"] == pytest.approx(0.5)
    with pytest.raises(InputError, match="width"):
        GrainStatistics(mean_um=16.0, sd_um=8.0, width_um=0.0)


def test_evolution_walk_rate_uses_the_initial_profile_staircase() -> None:
    """A chain after 59 h exchange and 16 d storage: the evolution fit's rate is at least the
    one the initial profile's own fit gives (its staircase carries the walk the smooth later
    profile hides), and says where it came from."""
    rng = np.random.default_rng(3)
    chain = cut_chain(make_grain_chain(2300.0, rng=rng), int(rng.integers(0, 300)))
    hist = [Stage(295.15, 59 * 3600.0, "source"), Stage(295.15, 16 * 86400.0)]
    fields = evolve_chain(chain, llto_material(), hist, c_initial=0.0759, c_source=0.95)
    x = (np.arange(chain.n_cells) + 0.5) * chain.cell_um
    pos = np.arange(2.5, 2000.0, 5.0)
    scans = [
        simulate_line_scan(x, c, positions_um=pos, raster_um=5.0, counts_per_spot=1e5, rng=rng)
        for c in fields
    ]
    p1, p2 = (ProfileData.from_arrays(pos, d["C"].values, d["C_err"].values) for d in scans)
    r = fit_evolution(p1, [p2], times_s=[16 * 86400.0], domain_um=(0.0, 2300.0))
    shape = [fit_profile(m, p1, time_s=59 * 3600.0) for m in ("erfc", "exchange")]
    q_initial = min(shape, key=lambda f: f.aic).microstructure["q_um"]
    assert q_initial > 0
    assert r.microstructure["q_um"] >= q_initial * (1 - 1e-3)  # its shape fit: another time
    if r.microstructure["q_um"] == pytest.approx(q_initial, rel=1e-3):
        assert "initial profile" in r.microstructure["q_source"]
    assert math.isfinite(r.stderr["D_eff"] or math.nan)
    # with grain statistics: the prior (centred at the evolution's D_eff) on both estimates
    grains = GrainStatistics(mean_um=16.0, sd_um=11.0, k_sigma_ln=0.4)
    rg = fit_evolution(
        p1, [p2], times_s=[16 * 86400.0], domain_um=(0.0, 2300.0), microstructure=grains
    )
    q0 = rg.microstructure["q_prior_um"]
    assert q0 == pytest.approx(walk_rate_from_grains(grains, rg.values["D_eff"]))
    stated = replace_rate(grains, q0)
    shape = [
        fit_profile(m, p1, time_s=59 * 3600.0, microstructure=stated) for m in ("erfc", "exchange")
    ]
    q_initial = min(shape, key=lambda f: f.aic).microstructure["q_um"]
    assert rg.microstructure["q_um"] >= q_initial * (1 - 1e-3)
    assert "posterior q = " in rg.microstructure["method"]


def test_image_kernel_matches_a_resistive_layer_solved_by_fv1d() -> None:
    """The first-order response to a thin resistance at depth y (erfc, fixed surface value)."""
    h_um, n, d, t, y = 1.0, 3000, 2e-9, 59 * 3600.0, 300.0
    x = (np.arange(n) + 0.5) * h_um
    kw: dict = {
        "h_cm": h_um * 1e-4,
        "d_cells": d,
        "time_s": t,
        "left": "source",
        "c_left": 1.0,
        "rtol": 1e-10,
    }
    base = evolve_fv1d(np.zeros(n), **kw)
    gb = np.full(n - 1, np.inf)
    dw_um = 1.0
    gb[int(y / h_um) - 1] = d / (dw_um * 1e-4)  # dW = D dr of 1 um
    pert = (evolve_fv1d(np.zeros(n), gb_conductance=gb, **kw) - base) / dw_um

    def slope(u: np.ndarray) -> np.ndarray:
        return -np.exp(-((u * 1e-4) ** 2) / (4 * d * t)) / math.sqrt(math.pi * d * t) * 1e-4

    k = image_kernel(x, np.array([y]), slope, surface="source")[:, 0]
    sel = np.abs(x - y) > 5
    assert np.max(np.abs(k[sel] - pert[sel])) < 0.02 * np.max(np.abs(pert))


def test_image_kernel_reflecting_surface_matches_fv1d() -> None:
    """Thin film (closed surface): the image term changes sign."""
    h_um, n, d, t, y, t0 = 1.0, 3000, 2e-9, 59 * 3600.0, 250.0, 3600.0
    x = (np.arange(n) + 0.5) * h_um

    def film(time_s: float) -> np.ndarray:
        return np.exp(-((x * 1e-4) ** 2) / (4 * d * time_s)) / math.sqrt(math.pi * d * time_s)

    kw: dict = {"h_cm": h_um * 1e-4, "d_cells": d, "time_s": t - t0, "rtol": 1e-10}
    base = evolve_fv1d(film(t0), **kw)
    gb = np.full(n - 1, np.inf)
    gb[int(y / h_um) - 1] = d / 1e-4  # dW = 1 um
    pert = evolve_fv1d(film(t0), gb_conductance=gb, **kw) - base

    def slope(u: np.ndarray) -> np.ndarray:
        return (
            -(u * 1e-4)
            / (2 * d * t)
            * np.exp(-((u * 1e-4) ** 2) / (4 * d * t))
            / math.sqrt(math.pi * d * t)
            * 1e-4
        )

    k = image_kernel(x, np.array([y]), slope, surface="reflecting")[:, 0]
    sel = np.abs(x - y) > 5
    # the layer is there only after t0: the response is smaller than the kernel's by ~t0/t
    assert np.max(np.abs(k[sel] - pert[sel])) < 0.1 * np.max(np.abs(pert))


def test_parameters_are_attributes() -> None:
    r = fit_profile("erfc", _homogeneous(1), time_s=T110)
    assert r.D_eff.value == r.values["D_eff"] and r.D_eff.stderr == r.stderr["D_eff"]
    assert r.D_eff.unit == "cm^2/s" and r.D_eff.ci95 == r.ci95["D_eff"]
    assert r.x0.fixed and r.x0.value == 0.0
    assert "D_eff = " in str(r.D_eff)
    with pytest.raises(AttributeError, match="no attribute or parameter"):
        _ = r.k_s


def test_fit_profile_accepts_the_read_profile_csv_dataset(tmp_path: Path) -> None:
    p = _homogeneous(2)
    path = tmp_path / "p.csv"
    rows = ["x_um,C,C_err"] + [f"{a},{b},{c}" for a, b, c in zip(p.x_um, p.C, p.C_err, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    a = fit_profile("erfc", read_profile_csv(path), time_s=T110)
    b = fit_profile("erfc", load_profile(path), time_s=T110)
    assert a.values["D_eff"] == pytest.approx(b.values["D_eff"], rel=1e-12)
    assert a.noise == "given"
    with pytest.raises(InputError, match="ProfileData or a profile dataset"):
        fit_profile("erfc", {"x": [1, 2]}, time_s=T110)


def test_x_column_names_the_position_column(tmp_path: Path) -> None:
    path = tmp_path / "depth.csv"
    rows = ["depth_nm,C"] + [
        f"{x * 1000:.1f},{c}" for x, c in zip(X, _homogeneous(3).C, strict=True)
    ]
    path.write_text("\n".join(rows) + "\n")
    ds = read_profile_csv(path, x_column="depth_nm", x_unit="nm")
    assert np.allclose(ds["x_um"].values, X)
    p = load_profile(path, x_column="depth_nm", x_unit="nm")
    assert np.allclose(p.x_um, X) and p.C_err is None
    from tracerdiff.errors import FileFormatError

    with pytest.raises(FileFormatError, match="x_column"):
        read_profile_csv(path)
    with pytest.raises(FileFormatError, match="'pos'"):
        read_profile_csv(path, x_column="pos")


def test_stand_in_temperature_only_labels_the_stages() -> None:
    hs = elapsed_histories([2 * WEEK, 6 * WEEK])
    assert all(st.temperature_K == STAND_IN_TEMPERATURE_K for h in hs for st in h.stages)
    src = elapsed_histories([2 * WEEK], source_time_s=WEEK)
    assert [st.boundary for st in src[0].stages] == ["source", "closed"]
    with pytest.raises(InputError, match="exceeds an elapsed time"):
        elapsed_histories([3600.0], source_time_s=7200.0)
    rng = np.random.default_rng(9)
    init = erfc_profile(X, C_s=0.95, C_0=0.0759, D=8e-9, time_s=T110)
    p0 = ProfileData.from_arrays(X, init + rng.normal(0, 0.01, X.size), np.full(X.size, 0.01))
    ps = [
        ProfileData.from_arrays(
            X,
            evolve_exact(init, h_cm=25e-4, D_t_cm2=3e-9 * k * WEEK) + rng.normal(0, 0.01, X.size),
            np.full(X.size, 0.01),
        )
        for k in (2, 6)
    ]
    d = {}
    for temp in (STAND_IN_TEMPERATURE_K, 400.0):
        h = [ThermalHistory.isothermal(temp, k * WEEK) for k in (2, 6)]
        d[temp] = fit_evolution(p0, ps, histories=h).values["D_eff"]
    plain = fit_evolution(p0, ps, times_s=[2 * WEEK, 6 * WEEK]).values["D_eff"]
    assert d[400.0] == pytest.approx(d[STAND_IN_TEMPERATURE_K], rel=1e-9)
    assert plain == pytest.approx(d[STAND_IN_TEMPERATURE_K], rel=1e-9)


def test_erfc_surface_is_held_at_zero_by_default() -> None:
    """Line-scan geometry (spots from 25 um every 50 um, surface at 0): the default holds
    x0 = 0 with a note; freeing x0 does not move D_eff by 5 % on homogeneous data."""
    x = np.arange(25.0, 4000.0, 50.0)
    rng = np.random.default_rng(21)
    c = erfc_profile(x, C_s=0.95, C_0=0.0759, D=8e-9, time_s=T110)
    prof = ProfileData.from_arrays(x, c + rng.normal(0, 0.003, x.size), np.full(x.size, 0.003))
    r = fit_profile("erfc", prof, time_s=T110, fix={"C_0": 0.0759})
    assert r.fixed["x0"] == 0.0 and any("x0 = 0 um (default" in n for n in r.notes)
    assert abs(r.values["D_eff"] / 8e-9 - 1) < 0.05
    free = fit_profile("erfc", prof, time_s=T110, fix={"C_0": 0.0759}, free=("x0",))
    assert abs(free.values["D_eff"] / r.values["D_eff"] - 1) < 0.05
    # a freed x0 that lands on the first point (the clamp's kink) is flagged
    kink = fit_profile("erfc", prof, time_s=T110, fix={"C_0": 0.0759, "x0": 25.0})
    from tracerdiff.fitting.profiles import _x0_note

    assert not _x0_note(kink)  # held, not freed
    moved = dataclasses.replace(free, values={**free.values, "x0": 25.0})
    assert _x0_note(moved) and "first data point" in _x0_note(moved)[0]


def test_face_responses_match_fv1d_interfaces() -> None:
    """The spectral first-order response of an evolution to a thin resistance at a face."""
    from tracerdiff.fitting.evolution_walk import face_responses

    n, h = 200, 5e-4
    x = (np.arange(n) + 0.5) * 5.0
    c0 = erfc_profile(x, C_s=0.9, C_0=0.1, D=3e-9, time_s=2e5)
    segs = [("source", 3e-4), ("closed", 1.5e-3)]
    faces = np.array([10, 50, 120])
    r = face_responses(c0, faces, segs, h_cm=h, c_source=0.9)

    def run(gb: np.ndarray | None) -> np.ndarray:
        c = c0
        for b, dt in segs:
            c = evolve_fv1d(
                c,
                h_cm=h,
                d_cells=1.0,
                time_s=dt,
                gb_conductance=gb,
                left=b,
                c_left=0.9 if b == "source" else None,
                rtol=1e-11,
            )
        return c

    base, eps = run(None), 1e-6
    for i, f in enumerate(faces):
        gb = np.full(n - 1, np.inf)
        gb[f] = 1 / eps
        num = (run(gb) - base) / eps
        assert np.max(np.abs(num - r[:, i])) < 1e-3 * np.max(np.abs(num))


@pytest.mark.parametrize("seed", [2, 5])
@pytest.mark.parametrize("mode", ["estimate", "homogeneous"])
def test_exchange_with_k_s_run_off_gives_d_eff_a_finite_error(seed: int, mode: str) -> None:
    """C_s fixed on a chain whose surface is not exchange-limited: k_s runs off to where it no
    longer changes the profile (singular Jacobian).  D_eff gets an error conditional on it, k_s
    none, with a note; nothing is NaN (these seeds gave NaN stderr of D_eff before)."""
    prof = _chain_profile(seed)
    r = fit_profile(
        "exchange",
        prof,
        time_s=59 * 3600.0,
        fix={"C_0": 0.0759, "C_s": 0.95},
        microstructure=mode,
    )
    se = r.stderr["D_eff"]
    assert se is not None and math.isfinite(se) and 0 < se < r.values["D_eff"]
    lo, hi = r.ci95["D_eff"]
    assert lo is not None and hi is not None and lo < r.values["D_eff"] < hi
    assert r.stderr["k_s"] is None
    assert any("k_s not determined" in n for n in r.notes)
    assert r.status != "ok"
    json.dumps(r.to_dict(), allow_nan=False)
