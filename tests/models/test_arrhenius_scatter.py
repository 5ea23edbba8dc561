"""Arrhenius fits of polycrystal D_eff: scatter beyond the counting errors (random effects,
Birge), closed loops on grain chains whose truth is the material's homogenised D_eff."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tracerdiff.history import arrhenius_D
from tracerdiff.models import fit_arrhenius
from tracerdiff.models.scatter import paule_mandel_tau2

T_K = np.array([295.15, 323.15, 373.15, 423.15, 473.15, 523.15])
D0_B, EA_B = 0.0246, 0.35  # bulk (cm^2/s, eV)
K0, EA_K = 33.0, 0.43  # median k (cm/s, eV)
MEAN_UM, SD_UM, K_SIG = 16.0, 11.0, 0.4
N_GRAINS = 25  # grains a profile samples


def _material_d_eff(t_k: np.ndarray) -> np.ndarray:
    """Homogenised D_eff of the material: E[l] / (E[l]/D_b + E[1/k]) (lognormal k)."""
    inv_k = np.exp(K_SIG**2 / 2) / arrhenius_D(t_k, K0, EA_K)
    l_cm = MEAN_UM * 1e-4
    return np.asarray(l_cm / (l_cm / arrhenius_D(t_k, D0_B, EA_B) + inv_k), dtype=float)


def _truth_line() -> tuple[float, float]:
    """Apparent Ea (eV) and ln D0 of the material's D_eff over T_K (straight line in 1/T)."""
    slope, icept = np.polyfit(1 / T_K, np.log(_material_d_eff(T_K)), 1)
    return float(-slope * 8.617333262e-5), float(icept)


def _polycrystal_points(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One D_eff per temperature from its own chain of N grains, with 0.4 % counting errors."""
    rng = np.random.default_rng(seed)
    s2 = math.log1p((SD_UM / MEAN_UM) ** 2)
    l_cm = (
        np.exp(rng.normal(math.log(MEAN_UM) - s2 / 2, math.sqrt(s2), (T_K.size, N_GRAINS))) * 1e-4
    )
    f_k = np.exp(rng.normal(0.0, K_SIG, (T_K.size, N_GRAINS)))
    k = arrhenius_D(T_K, K0, EA_K)[:, None] * f_k
    db = arrhenius_D(T_K, D0_B, EA_B)[:, None]
    d = l_cm.sum(1) / (l_cm.sum(1) / db[:, 0] + (1 / k).sum(1))
    d = d * (1 + 0.004 * rng.standard_normal(T_K.size))
    return d, 0.004 * d


def test_truth_line_is_the_apparent_activation_energy() -> None:
    ea, _ = _truth_line()
    assert 0.40 < ea < 0.43  # D_eff mixes the bulk's 0.35 eV with k's 0.43 eV


@pytest.mark.parametrize("method", ["random_effects", "birge"])
def test_polycrystal_closed_loop_coverage(method: str) -> None:
    ea_true, ln_d0_true = _truth_line()
    hit_ea = hit_d0 = hit_plain = 0
    n = 300
    for seed in range(n):
        d, err = _polycrystal_points(seed)
        r = fit_arrhenius(T_K, d, err, excess_scatter=method)
        lo, hi = r.interval("Ea")
        hit_ea += lo <= ea_true <= hi
        d0_lo, d0_hi = r.interval("D0")
        hit_d0 += d0_lo <= math.exp(ln_d0_true) <= d0_hi
        plain = r.to_dict()["plain"]["Ea"]
        hit_plain += abs(plain["value"] - ea_true) <= 1.96 * plain["stderr"]
    assert hit_ea / n >= 0.90, hit_ea
    assert hit_d0 / n >= 0.90, hit_d0
    assert hit_plain / n < 0.5  # counting errors alone do not hold the truth
    r = fit_arrhenius(T_K, *_polycrystal_points(0), excess_scatter=method)
    assert r.ea_err < 0.04  # honest, not meaningless


def test_result_records_method_and_plain_fit() -> None:
    d, err = _polycrystal_points(1)
    r = fit_arrhenius(T_K, d, err)
    out = r.to_dict()
    assert r.scatter_applied and r.tau2 > 0 and r.t_intervals
    assert out["scatter_method"] == "random_effects"
    assert "random-effects" in out["error_method"]
    assert out["plain"]["Ea"]["stderr"] < out["Ea"]["stderr"]
    assert out["birge"]["Ea"]["stderr"] > out["plain"]["Ea"]["stderr"]
    assert out["random_effects"]["tau_ln_D"]["value"] == pytest.approx(math.sqrt(r.tau2))
    assert "plain fit is in 'plain'" in out["note"]
    none = fit_arrhenius(T_K, d, err, excess_scatter="none")
    assert not none.scatter_applied and none.ea_err == pytest.approx(out["plain"]["Ea"]["stderr"])


def test_no_excess_keeps_the_given_errors() -> None:
    d = arrhenius_D(T_K, 0.05, 0.4)
    rng = np.random.default_rng(3)
    noisy = d * (1 + 0.01 * rng.standard_normal(T_K.size))
    r = fit_arrhenius(T_K, noisy, 0.05 * noisy)  # errors larger than the scatter
    assert r.chi2_red < 1 and not r.scatter_applied and r.tau2 == 0.0
    assert "random_effects" not in r.to_dict()


def test_paule_mandel_solves_the_moment_equation() -> None:
    rng = np.random.default_rng(0)
    x = np.linspace(0, 1, 10)
    y = 1 + 2 * x + 0.3 * rng.standard_normal(10)
    s = np.full(10, 0.01)
    tau2 = paule_mandel_tau2(x, y, s)
    w = 1 / (s**2 + tau2)
    coef = np.polyfit(x, y, 1, w=np.sqrt(w))
    q = float(np.sum(w * (y - np.polyval(coef, x)) ** 2))
    assert q == pytest.approx(8.0, rel=1e-6)
    assert paule_mandel_tau2(x, 1 + 2 * x, s) == 0.0


def test_bad_method() -> None:
    from tracerdiff.errors import InputError

    with pytest.raises(InputError, match="excess_scatter"):
        fit_arrhenius(T_K, arrhenius_D(T_K, 0.05, 0.4), excess_scatter="huber")


def test_haven_of_polycrystal_d_eff_covers_the_truth_at_the_design_temperature() -> None:
    """Tracer D_eff with grain-sampling scatter, GB conductivity with 3 % errors: the headline
    H_R(T) (shared Ea rejected or not) holds D_eff/D_sigma at the design's central temperature."""
    from tracerdiff.models import haven_from_arrhenius, haven_temperature

    t_cond = np.arange(253.15, 394.0, 20.0)
    t_h = haven_temperature(T_K, t_cond)
    ea_true, ln_d0 = _truth_line()
    d_sigma = arrhenius_D(t_cond, 0.2 * math.exp(ln_d0), EA_K)  # conductivity-side law
    truth = math.exp(ln_d0 - ea_true / (8.617333262e-5 * t_h)) / float(
        arrhenius_D(t_h, 0.2 * math.exp(ln_d0), EA_K)
    )
    hits, n = 0, 200
    for seed in range(n):
        d, err = _polycrystal_points(seed)
        tr = fit_arrhenius(T_K, d, err)
        rng = np.random.default_rng(10_000 + seed)
        ds = d_sigma * np.exp(0.03 * rng.standard_normal(t_cond.size))
        co = fit_arrhenius(t_cond, ds, 0.03 * ds)
        h = haven_from_arrhenius(tr, co, shared_ea=True)
        if h.temperature_K is not None:
            assert h.temperature_K == pytest.approx(t_h)
        ci = h.ci95()
        assert ci is not None
        hits += ci[0] <= truth <= ci[1]
    assert hits / n >= 0.90, hits
