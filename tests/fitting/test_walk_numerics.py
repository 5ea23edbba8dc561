"""The fast linear algebra of the grain-sampling term against its direct forms."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from tracerdiff.fitting import ProfileData
from tracerdiff.fitting.evolution_model import build_setup
from tracerdiff.fitting.evolution_walk import _duhamel, _duhamel_apply, initial_noise_factor
from tracerdiff.fitting.reml_walk import reml_walk, whitened
from tracerdiff.solutions import erfc_profile


@pytest.mark.parametrize(
    ("boundary", "dt"), [("closed", 3.6e-3), ("source", 1.1e-2), ("closed", 1e-9)]
)
def test_truncated_duhamel_product_equals_the_dense_matrix(boundary: str, dt: float) -> None:
    """Long segments drop the doubly damped block (< dt e^-50); short ones use the full one."""
    n, h = 2048, 4000.0 / 2048 * 1e-4
    shift = 0.5 if boundary == "source" else 0.0
    rates = (2.0 - 2.0 * np.cos(np.pi * (np.arange(n) + shift) / n)) / h**2
    x = np.random.default_rng(0).normal(size=(n, 7))
    full = _duhamel(rates, rates, dt) @ x
    fast = _duhamel_apply(rates, dt, x)
    assert np.max(np.abs(fast - full)) <= 1e-12 * np.max(np.abs(full))


@pytest.mark.parametrize(
    "segments",
    [
        [[("closed", 2.5e-3)], [("closed", 7.5e-3)]],
        [[("source", 1e-6), ("closed", 1e-9)]],  # a short last segment: the full factor is kept
        [[("closed", 1e-3), ("source", 2e-4)]],
    ],
)
def test_low_rank_initial_noise_root_equals_the_direct_sensitivity(segments: list) -> None:
    """A A^T of the evolved initial-point noise equals that of d(model)/d(initial values),
    taken here by perturbing each initial point through the model's own forward run."""
    rng = np.random.default_rng(4)
    x = (np.arange(120) + 0.5) * 10.0
    c0 = erfc_profile(x, C_s=0.95, C_0=0.08, D=8e-9, time_s=4e5)
    err = np.full(x.size, 0.01) * (1.0 + rng.random(x.size))
    initial = ProfileData.from_arrays(x, c0 + rng.normal(0, 0.01, x.size), err)
    later = [ProfileData.from_arrays(x[::2], c0[::2], np.full(60, 0.01)) for _ in segments]
    s = build_setup(initial, later, mode="measured", initial_time_s=None, domain_um=None)
    sigma = np.full(s.y.size, 0.01)
    result = SimpleNamespace(yerr=sigma)
    a = initial_noise_factor(s, result, segments, 0.95, False)(np.arange(s.y.size))  # type: ignore[arg-type]
    base = s.predict(segments, c_source=0.95)
    cols = []
    for i in range(initial.n):
        bumped = initial.C.copy()
        bumped[i] += 1.0
        cells = np.interp(s.centres_um, initial.x_um, bumped)
        cols.append(s.predict(segments, c_source=0.95, cells=cells) - base)
    ref = np.column_stack(cols) / sigma[:, None] * err[None, :]
    want = ref @ ref.T
    assert np.max(np.abs(a @ a.T - want)) <= 1e-10 * np.max(np.abs(want))


@pytest.mark.parametrize("rank", [4, 300])
def test_whitening_gives_the_generalised_least_squares_metric(rank: int) -> None:
    """Whitened columns X satisfy X^T X = x^T (I + A A^T)^-1 x (low-rank and full A)."""
    rng = np.random.default_rng(1)
    n = 250
    r, j, u = rng.normal(size=n), rng.normal(size=(n, 2)), rng.normal(size=(n, 9))
    a = 0.4 * rng.normal(size=(n, rank))
    rw, jw, uw = whitened(np.arange(n), (r, j, u), lambda rows: a[rows])
    x, big = np.column_stack([r, j, u]), np.column_stack([rw, jw, uw])
    want = x.T @ np.linalg.solve(np.eye(n) + a @ a.T, x)
    assert np.max(np.abs(big.T @ big - want)) <= 1e-9 * np.max(np.abs(want))


def test_reml_recovers_a_known_walk_rate_and_its_two_forms_agree() -> None:
    """Residuals drawn from s^2 I + q U U^T (J projected out): q and s^2 recovered; the
    profiled search and the fixed-q search reach the same likelihood."""
    rng = np.random.default_rng(7)
    n, m = 600, 120
    xs = np.linspace(0.0, 1.0, n)
    u = np.where(xs[:, None] > np.linspace(0.0, 1.0, m)[None, :], 1.0, 0.0) * np.exp(-xs)[:, None]
    j = np.column_stack([np.ones(n), xs])
    q_true, s2_true = 0.05, 1.0
    est = []
    for _ in range(20):
        y = rng.normal(size=n) * np.sqrt(s2_true) + np.sqrt(q_true) * (u @ rng.normal(size=m))
        r = y - j @ np.linalg.lstsq(j, y, rcond=None)[0]
        est.append(reml_walk(r, j, u))
    q_hat = np.median([e[0] for e in est])
    s2_hat = np.median([e[1] for e in est])
    assert 0.5 * q_true < q_hat < 2.0 * q_true
    assert abs(s2_hat - s2_true) < 0.1
    q1, s2_1, lr1 = est[-1]  # the last draw's r
    assert q1 > 0 and lr1 > 5.41
    _, s2_fixed, lr_fixed = reml_walk(r, j, u, fix_q=q1)
    assert lr_fixed == pytest.approx(lr1, rel=1e-6)
    assert s2_fixed == pytest.approx(s2_1, rel=1e-4)


def test_wald_interval_of_an_unconstrained_log_parameter_is_open() -> None:
    """A thin film fitted as surface exchange: k_s runs off (log sd huge); its Wald interval
    ends are open (None) instead of an overflow of exp."""
    import math as _math

    from tracerdiff.fitting import ProfileData as _PD
    from tracerdiff.fitting import fit_profile as _fit

    d_true, t_s = 3e-10, 110 * 3600.0
    x = np.linspace(1.0, 800.0, 100)
    width = 2 * _math.sqrt(d_true * t_s) * 1e4
    c = 0.0759 + 60.0 / (_math.sqrt(_math.pi) * width) * np.exp(-((x / width) ** 2))
    c = c + np.random.default_rng(0).normal(0, 0.01, x.size)
    r = _fit("exchange", _PD.from_arrays(x, c, np.full(x.size, 0.01)), time_s=86400.0,
             profile_ci=False)  # fmt: skip
    assert r.status == "unconstrained"
    assert r.ci95["k_s"] == (None, None) or None in r.ci95["k_s"]
    lo, hi = r.ci95["D_eff"]
    assert lo is not None and hi is not None and lo < r.values["D_eff"] < hi
