"""Effective-medium models: the study's numbers, model agreement, inverse, chain Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracerdiff.errors import InputError
from tracerdiff.models import (
    GEOMETRIES,
    brick_layer,
    chain_d_eff,
    effective_medium,
    geometric_d_eff,
    hashin_shtrikman,
    maxwell_garnett,
    series_d_eff,
    series_k,
    specific_from_apparent,
)
from tracerdiff.quantities import to_json

DB, K, L, SD = 2.6e-8, 1.5e-6, 16.0, 11.0  # cm^2/s, cm/s, um, um
DELTA = 0.5e-7  # cm


def test_study_series_value_and_spread() -> None:
    r = effective_medium(d_bulk=DB, k=K, grain_um=L, grain_sd_um=SD)
    d = r.to_dict()["D_eff"]
    assert d["value"] == pytest.approx(2.2e-9, rel=0.01)
    # the study's "+- 1.4e-9" is a spread of single-grain values, not a standard error
    assert d["spread"] == pytest.approx(1.4e-9, rel=0.02)
    assert d["stderr"] is None and "no standard error" in d["note"]
    # the closed form of the study convention
    assert d["spread"] == pytest.approx(
        d["value"] ** 2 * SD * 1e-4 / (K * (L * 1e-4) ** 2), rel=1e-6
    )
    assert r.biot == pytest.approx(0.0923, rel=1e-3)
    assert "spread" in str(r) and "not an uncertainty" in str(r)


def test_series_standard_error_from_input_standard_errors() -> None:
    k_err, se = 0.1 * K, 0.5  # cm/s, um (standard error of the mean grain size)
    r = effective_medium(d_bulk=DB, k=K, grain_um=L, grain_sd_um=SD, k_err=k_err, grain_se_um=se)
    d, l_cm = r.d_eff, L * 1e-4
    # closed form: dD/dk = D^2/(k^2 l), dD/dl = D^2/(k l^2)
    expect = math.hypot(d**2 / (K**2 * l_cm) * k_err, d**2 / (K * l_cm**2) * se * 1e-4)
    assert r.d_eff_err == pytest.approx(expect, rel=1e-4)
    assert r.d_eff_err < r.d_eff_spread  # an error of the mean, not the spread of grains
    inv = effective_medium(
        d_bulk=DB, d_eff=d, d_eff_err=0.05 * d, grain_um=L, grain_sd_um=SD, grain_se_um=se
    )
    # k = 1/(l (1/D - 1/D_b)): relative errors dk/k = (D_b/(D_b - D)) dD/D and dl/l
    rel = math.hypot(DB / (DB - d) * 0.05, se / L)
    assert inv.k_err == pytest.approx(rel * K, rel=1e-3)
    assert inv.to_dict()["D_gb_over_delta"]["spread"] == pytest.approx(K * SD / L, rel=1e-3)


def test_series_full_form_and_inverse() -> None:
    l_cm = L * 1e-4
    full = series_d_eff(DB, K, l_cm, delta_cm=DELTA)
    assert (l_cm + DELTA) / full == pytest.approx(l_cm / DB + DELTA / (K * DELTA))
    d = series_d_eff(DB, K, l_cm)
    assert series_k(d, DB, l_cm) == pytest.approx(K, rel=1e-12)
    with pytest.raises(InputError):
        series_k(3e-8, DB, l_cm)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_maxwell_garnett_matches_series_in_slow_limit(dim: int) -> None:
    mg = maxwell_garnett(DB, K * DELTA, L * 1e-4, DELTA, dim=dim)
    assert mg == pytest.approx(series_d_eff(DB, K, L * 1e-4), rel=0.01)


def _mg_with_phi(phi: float, dim: int) -> float:
    """Maxwell-Garnett written out for a given grain volume fraction (test reference)."""
    d_gb = K * DELTA
    beta = (DB - d_gb) / (DB + (dim - 1) * d_gb)
    return d_gb * (1 + (dim - 1) * phi * beta) / (1 - phi * beta)


def test_maxwell_garnett_one_phi_for_all_d_would_disagree() -> None:
    # d=1 is exactly the series model with delta
    assert maxwell_garnett(DB, K * DELTA, L * 1e-4, DELTA, dim=1) == pytest.approx(
        series_d_eff(DB, K, L * 1e-4, delta_cm=DELTA), rel=1e-9
    )
    ratio = (L * 1e-4) / (L * 1e-4 + DELTA)
    series = series_d_eff(DB, K, L * 1e-4)
    for dim, off in ((2, 1.8), (3, 2.6)):
        # the implemented convention phi = (l/(l+delta))^d equals the formula written out ...
        assert maxwell_garnett(DB, K * DELTA, L * 1e-4, DELTA, dim=dim) == pytest.approx(
            _mg_with_phi(ratio**dim, dim), rel=1e-6
        )
        # ... while one phi = l/(l+delta) for every d is off by ~1.8x (2D) and ~2.6x (3D)
        assert _mg_with_phi(ratio, dim) / series == pytest.approx(off, rel=0.05)


def test_hashin_shtrikman_bounds_bracket_mg_and_fast_limit() -> None:
    hs = hashin_shtrikman(DB, K * DELTA, L * 1e-4, DELTA)
    mg3 = maxwell_garnett(DB, K * DELTA, L * 1e-4, DELTA, dim=3)
    assert hs.lower == pytest.approx(mg3) and hs.upper > 10 * hs.lower
    assert hs.upper <= DB
    # equal phases: both bounds collapse to that D
    eq = hashin_shtrikman(DB, DB, L * 1e-4, DELTA)
    assert eq.lower == pytest.approx(DB) and eq.upper == pytest.approx(DB)


def test_brick_layer_paths() -> None:
    b = brick_layer(DB, K, L * 1e-4, DELTA)
    assert b.perpendicular == pytest.approx(series_d_eff(DB, K, L * 1e-4))
    assert b.parallel == pytest.approx(2 * DELTA / (L * 1e-4) * K * DELTA)
    assert b.total == pytest.approx(b.perpendicular + b.parallel)
    assert specific_from_apparent(1e-4, DELTA, L * 1e-4) == pytest.approx(1e-4 * DELTA / 16e-4)


def test_hexagon_geometric_factors() -> None:
    hexf = GEOMETRIES["hex2d"]
    assert hexf["side"] == pytest.approx(math.sqrt(3))
    assert hexf["intercept"] == pytest.approx(1.27, abs=0.005)
    assert hexf["ecd"] == pytest.approx(0.95, abs=0.005)
    # slow-GB limit: D_eff -> factor k L
    assert geometric_d_eff(1.0, K, 1e-3, shape="hex2d", length_kind="side") == pytest.approx(
        math.sqrt(3) * K * 1e-3, rel=1e-6
    )
    with pytest.raises(InputError):
        geometric_d_eff(DB, K, 1e-3, shape="triangle")


def test_inverse_for_each_model_roundtrips() -> None:
    for model in ("series", "brick", "mg2", "mg3", "hs", "hex"):
        fwd = effective_medium(d_bulk=DB, k=K, grain_um=L, model=model)
        inv = effective_medium(
            d_bulk=DB,
            d_eff=fwd.d_eff,
            grain_um=L,
            grain_sd_um=SD,
            model=model,
            d_eff_err=0.1 * fwd.d_eff,
        )
        assert inv.k == pytest.approx(K, rel=1e-8), model
        assert inv.solved_for == "D_gb_over_delta" and inv.k_err is not None and inv.k_err > 0


def test_chain_monte_carlo_is_seeded_and_narrower_than_spread() -> None:
    a = chain_d_eff(DB, K, L, SD, n_grains=20, rng=7)
    b = chain_d_eff(DB, K, L, SD, n_grains=20, rng=7)
    assert a == b
    # a chain averages sizes: its sd shrinks roughly like 1/sqrt(N)
    one = chain_d_eff(DB, K, L, SD, n_grains=1, rng=1)
    many = chain_d_eff(DB, K, L, SD, n_grains=100, rng=1)
    assert many.sd < one.sd / 5
    assert many.mean == pytest.approx(series_d_eff(DB, K, L * 1e-4), rel=0.02)
    # a spread of k lowers the mean when k is its arithmetic mean (the harmonic mean enters)
    spread_k = chain_d_eff(DB, K, L, SD, n_grains=100, k_rel_sd=0.8, k_mean="arithmetic", rng=1)
    assert spread_k.mean < 0.8 * many.mean
    # a harmonic-mean k (what a long-range D_eff measures) does not count its spread twice
    harm = chain_d_eff(DB, K, L, SD, n_grains=100, k_rel_sd=0.8, rng=1)
    assert harm.k_mean == "harmonic" and harm.mean == pytest.approx(many.mean, rel=0.03)
    geo = chain_d_eff(DB, K, L, SD, n_grains=100, k_rel_sd=0.8, k_mean="geometric", rng=1)
    assert spread_k.mean < geo.mean < harm.mean
    assert "harmonic mean" in harm.to_dict()["convention"]
    with pytest.raises(InputError, match="k_mean"):
        chain_d_eff(DB, K, L, SD, n_grains=10, k_mean="median")


def test_validity_and_chain_from_time() -> None:
    r = effective_medium(d_bulk=DB, k=K, grain_um=L, grain_sd_um=SD, time_s=110 * 3600, rng=3)
    out = r.to_dict()
    assert out["validity"]["met"] is True
    assert out["chain"]["n_grains"] == round(math.sqrt(r.d_eff * 110 * 3600) / 16e-4)
    short = effective_medium(d_bulk=DB, k=K, grain_um=L, time_s=100.0).to_dict()
    assert short["validity"]["met"] is False
    assert effective_medium(d_bulk=DB, k=K, grain_um=L).to_dict()["validity"]["met"] is None
    # the hexagon factor needs slow GBs as well: Bi = 9 fails even with a long time
    fast = effective_medium(d_bulk=DB, k=1e-4, grain_um=L * 1.5, model="hex", time_s=1e9)
    assert fast.biot > 0.3 and fast.to_dict()["validity"]["met"] is False
    to_json(out)


@pytest.mark.parametrize(
    "kw",
    [
        dict(grain_um=0.0),
        dict(grain_um=-3.0),
        dict(delta_nm=0.0),
        dict(model="nope"),
        dict(d_eff=1e-9),
        dict(time_s=-5.0),
        dict(time_s=float("nan")),
        dict(n_grains=0),
        dict(k_rel_sd=-0.1),
        dict(k_mean="median"),
        dict(k_err=-1e-7),
        dict(grain_se_um=float("nan")),
    ],
)
def test_bad_input(kw: dict[str, object]) -> None:
    args: dict[str, object] = dict(d_bulk=DB, k=K, grain_um=L)
    args.update(kw)
    with pytest.raises(InputError):
        effective_medium(**args)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(db=st.floats(1e-12, 1e-4), kk=st.floats(1e-10, 1e-2), l_um=st.floats(0.5, 500.0))
def test_series_below_both_limits(db: float, kk: float, l_um: float) -> None:
    d = series_d_eff(db, kk, l_um * 1e-4)
    assert d <= db * (1 + 1e-12) and d <= kk * l_um * 1e-4 * (1 + 1e-12)
    assert np.isfinite(d) and d > 0


def test_kernel_results_serialise() -> None:
    hs = hashin_shtrikman(DB, K * DELTA, L * 1e-4, DELTA).to_dict()
    assert hs["lower"]["unit"] == "cm^2/s" and hs["dim"] == 3
    b = brick_layer(DB, K, L * 1e-4, DELTA).to_dict()
    assert set(b) == {"perpendicular", "parallel", "total"}
    to_json({"hs": hs, "brick": b})
