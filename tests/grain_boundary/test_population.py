"""The pooled lognormal population when the spread of k is not resolved: tau is bounded from
above only, and the harmonic and arithmetic means carry that in their errors."""

from __future__ import annotations

import math

import numpy as np

from tracerdiff.grain_boundary.population import fit_lognormal_population

MU, TAU = math.log(1.5e-6), 0.4


def _boundaries(seed: int) -> list[tuple[float, float, float, float, float]]:
    """300 boundaries, k lognormal (sigma_ln 0.4), gradients too noisy to measure one by one
    (error 5 /cm at D_b 2.6e-8 cm^2/s) and steps of 0.005-0.04 measured to 0.004."""
    rng = np.random.default_rng(seed)
    n = 300
    k = np.exp(rng.normal(MU, TAU, n))
    jump = rng.uniform(0.005, 0.04, n)
    ea, eb = 2.6e-8 * 5, 4e-3
    a = k * jump + rng.normal(0, ea, n)
    b = jump + rng.normal(0, eb, n)
    return [(x, y, ea**2, eb**2, 0.0) for x, y in zip(a, b, strict=True)]


def test_unresolved_spread_widens_the_harmonic_mean_not_the_median() -> None:
    pop = fit_lognormal_population(_boundaries(25))  # this draw puts tau at its lower bound
    assert pop.success and "lower bound" in pop.message
    assert pop.tau_upper is not None and pop.tau_upper > 0.3
    g, ge = pop.gmean
    h, he = pop.hmean
    m, me = pop.mean
    assert ge is not None and he is not None and me is not None
    # the geometric mean does not depend on tau; the harmonic and arithmetic means do
    assert he / h >= math.hypot(ge / g, 0.5 * pop.tau_upper**2) * 0.999
    assert me / m >= math.hypot(ge / g, 0.5 * pop.tau_upper**2) * 0.999
    true_h = math.exp(MU - TAU**2 / 2)
    assert abs(h - true_h) < 2 * he
    d = pop.to_dict()["sigma_ln"]
    assert d["stderr"] == pop.tau_upper - pop.tau and "upper limit" in d["note"]


def test_resolved_spread_has_no_upper_limit_term() -> None:
    pop = fit_lognormal_population(_boundaries(4))  # tau resolved on this draw
    assert pop.tau > 0.1 and pop.tau_upper is None
    assert "note" not in pop.to_dict()["sigma_ln"] or not pop.to_dict()["sigma_ln"]["note"]


def test_harmonic_mean_intervals_hold_the_truth_over_draws() -> None:
    """Over 20 draws, pinned or not, +-2 errors of the harmonic mean hold exp(mu - tau^2/2)."""
    true_h = math.exp(MU - TAU**2 / 2)
    hits = 0
    for seed in range(20):
        h, he = fit_lognormal_population(_boundaries(seed)).hmean
        assert he is not None
        hits += abs(h - true_h) <= 2 * he
    assert hits >= 17
