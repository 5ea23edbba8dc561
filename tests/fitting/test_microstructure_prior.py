"""Grain statistics as a prior on the walk rate: the posterior maximum of the restricted
likelihood times a lognormal prior on q (:mod:`tracerdiff.fitting.reml_walk`)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.fitting import GrainStatistics, ProfileData, fit_profile
from tracerdiff.fitting.grain_statistics import (
    PRIOR_SIGMA_LATERAL,
    PRIOR_SIGMA_LINE,
    prior_sigma_ln,
    walk_rate_from_grains,
)
from tracerdiff.fitting.reml_walk import WalkPrior, reml_walk
from tracerdiff.history import Stage
from tracerdiff.simulate import evolve_chain, llto_material, make_grain_chain, simulate_line_scan
from tracerdiff.simulate.chain import cut_chain


def _chain_profile(seed: int) -> ProfileData:
    """An 800 um line scan (5 um spots, 1e5 counts) of a grain chain after 59 h exchange."""
    rng = np.random.default_rng(seed)
    chain = cut_chain(make_grain_chain(2300.0, rng=rng), int(rng.integers(0, 300)))
    hist = [Stage(295.15, 59 * 3600.0, "source")]
    (c,) = evolve_chain(chain, llto_material(), hist, c_initial=0.0759, c_source=0.95)
    x = np.asarray((np.arange(chain.n_cells) + 0.5) * chain.cell_um, dtype=np.float64)
    pos = np.arange(2.5, 800.0, 5.0)
    ds = simulate_line_scan(x, c, positions_um=pos, raster_um=5.0, counts_per_spot=1e5, rng=rng)
    return ProfileData.from_arrays(pos, ds["C"].values, ds["C_err"].values)


def _draw(seed: int, n: int = 240, m: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residuals of a straight-line fit to s^2 I + q U U^T noise (q = 0.05, s^2 = 1)."""
    rng = np.random.default_rng(seed)
    xs = np.linspace(0.0, 1.0, n)
    u = np.where(xs[:, None] > np.linspace(0.0, 1.0, m)[None, :], 1.0, 0.0) * np.exp(-xs)[:, None]
    j = np.column_stack([np.ones(n), xs])
    y = rng.normal(size=n) + math.sqrt(0.05) * (u @ rng.normal(size=m))
    r = y - j @ np.linalg.lstsq(j, y, rcond=None)[0]
    return r, j, u


def _dense_minus2_log_post(
    r: np.ndarray, j: np.ndarray, u: np.ndarray, q: float, s2: float, prior: WalkPrior
) -> float:
    """-2 log (restricted likelihood x prior density of ln q), dense, from the definition."""
    s = s2 * np.eye(r.size) + q * (u @ u.T)
    si = np.linalg.inv(s)
    jsj = j.T @ si @ j
    p = si - si @ j @ np.linalg.solve(jsj, j.T @ si)
    value = np.linalg.slogdet(s)[1] + np.linalg.slogdet(jsj)[1] + float(r @ p @ r)
    return value + ((math.log(q) - math.log(prior.q_um)) / prior.sigma_ln) ** 2


def test_posterior_maximum_is_the_maximum_of_the_dense_posterior() -> None:
    r, j, u = _draw(3)
    prior = WalkPrior(q_um=0.2, sigma_ln=0.5)
    q, s2, _ = reml_walk(r, j, u, prior=prior)
    best = _dense_minus2_log_post(r, j, u, q, s2, prior)
    for fq, fs in ((1.05, 1.0), (0.95, 1.0), (1.0, 1.05), (1.0, 0.95), (1.03, 1.03)):
        assert _dense_minus2_log_post(r, j, u, q * fq, s2 * fs, prior) > best


def test_posterior_moves_from_the_prior_to_the_reml_as_the_prior_widens() -> None:
    r, j, u = _draw(5)
    q_reml = reml_walk(r, j, u)[0]
    assert q_reml > 0
    centre = 5.0 * q_reml
    narrow = reml_walk(r, j, u, prior=WalkPrior(centre, 0.01))[0]
    wide = reml_walk(r, j, u, prior=WalkPrior(centre, 30.0))[0]
    middle = reml_walk(r, j, u, prior=WalkPrior(centre, 0.5))[0]
    assert narrow == pytest.approx(centre, rel=0.02)
    assert wide == pytest.approx(q_reml, rel=0.02)
    assert q_reml < middle < centre


def test_grain_statistics_state_the_prior_and_the_method_records_it() -> None:
    grains = GrainStatistics(mean_um=16.0, sd_um=11.0, k_sigma_ln=0.4)
    r = fit_profile(
        "erfc", _chain_profile(4), time_s=59 * 3600.0, fix={"C_0": 0.0759}, microstructure=grains
    )
    info = r.microstructure
    assert info["q_prior_um"] == pytest.approx(walk_rate_from_grains(grains, r.values["D_eff"]))
    assert info["q_prior_sigma_ln"] == PRIOR_SIGMA_LINE
    assert info["q_um"] > 0 and info["q_um"] != info["q_prior_um"]
    assert "prior q = " in info["method"] and "posterior q = " in info["method"]
    assert prior_sigma_ln(grains) == PRIOR_SIGMA_LINE
    wide = dataclasses.replace(grains, width_um=100.0)
    assert prior_sigma_ln(wide) == pytest.approx(math.hypot(PRIOR_SIGMA_LINE, PRIOR_SIGMA_LATERAL))
    assert wide.to_dict()["prior_sigma_ln"] == pytest.approx(prior_sigma_ln(wide))
    stated = dataclasses.replace(grains, walk_rate_um=3.0)
    assert walk_rate_from_grains(stated, 1e-9) == 3.0
    with pytest.raises(InputError, match="walk rate"):
        dataclasses.replace(grains, walk_rate_um=0.0)


def test_grain_statistics_without_spread_give_no_term() -> None:
    """Equal grains and equal k: the formula's q is 0, so there is no prior to form."""
    same = GrainStatistics(mean_um=16.0, sd_um=0.0, k_sigma_ln=0.0)
    r = fit_profile(
        "erfc", _chain_profile(2), time_s=59 * 3600.0, fix={"C_0": 0.0759}, microstructure=same
    )
    assert r.microstructure["q_um"] == 0.0
    assert "q_prior_um" not in r.microstructure
    assert "no spread" in r.microstructure["method"]
