"""Dead-time corrections recover true counts and their variance from simulated detection."""

from __future__ import annotations

import numpy as np
import pytest

from tracerdiff.errors import InputError, SaturationError
from tracerdiff.imaging import em_dead_time, tof_dead_time


def test_tof_poisson_recovers_true_mean_and_variance(rng: np.random.Generator) -> None:
    # single-stop detector: each of N pulses registers >= 1 ion with p = 1 - exp(-lam)
    n_pulses, lam = 2000, 0.4
    measured = rng.binomial(n_pulses, 1 - np.exp(-lam), size=200_000)
    res = tof_dead_time(measured, n_pulses=n_pulses, dtype=np.float64)
    true = n_pulses * lam  # 800 ions arrive on average, only ~659 are counted
    assert measured.mean() < 0.85 * true
    sem = res.counts.std() / np.sqrt(res.counts.size)
    assert abs(res.counts.mean() - true) < 4 * sem
    # delta-method variance I/(1-p) against the spread of the corrected counts
    assert res.counts.var() == pytest.approx(res.var.mean(), rel=0.02)
    assert res.n_saturated == 0 and res.method == "tof_poisson"


def test_tof_formula_and_variance_exact() -> None:
    counts = np.array([[0.0, 10.0], [500.0, 999.0]])
    res = tof_dead_time(counts, n_pulses=1000, dtype=np.float64)
    p = counts / 1000
    np.testing.assert_allclose(res.counts, -1000 * np.log1p(-p))
    np.testing.assert_allclose(res.var, counts / (1 - p))
    assert res.counts.shape == counts.shape


def test_tof_saturation_raises_or_masks() -> None:
    counts = np.array([[10.0, 100.0], [100.0, 50.0]])
    with pytest.raises(SaturationError, match="2 pixel"):
        tof_dead_time(counts, n_pulses=100)
    res = tof_dead_time(counts, n_pulses=100, saturated="nan")
    assert res.n_saturated == 2
    assert np.isnan(res.counts[res.saturated]).all() and np.isnan(res.var[res.saturated]).all()
    assert np.isfinite(res.counts[~res.saturated]).all()
    assert res.to_dict()["n_saturated"] == 2


def test_tof_bad_arguments() -> None:
    with pytest.raises(InputError):
        tof_dead_time(np.ones(3), n_pulses=0)
    with pytest.raises(InputError):
        tof_dead_time(np.ones(3), n_pulses=10, saturated="clip")  # type: ignore[arg-type]


def test_em_dead_time_inverts_nonparalysable_counter() -> None:
    tau, dwell = 44e-9, 1e-3
    true = np.array([1e2, 1e3, 5e3, 1e4])
    measured = true / (1 + true * tau / dwell)  # non-paralysable: m = n / (1 + n tau / t)
    res = em_dead_time(measured, dwell_time_s=dwell, tau_s=tau, dtype=np.float64)
    np.testing.assert_allclose(res.counts, true, rtol=1e-12)
    x = measured * tau / dwell
    np.testing.assert_allclose(res.var, measured / (1 - x) ** 2)
    assert res.to_dict()["tau_s"] == tau


def test_em_saturation() -> None:
    with pytest.raises(SaturationError):
        em_dead_time(np.array([30_000.0]), dwell_time_s=1e-3)  # r tau = 1.32
    res = em_dead_time(np.array([30_000.0, 10.0]), dwell_time_s=1e-3, saturated="nan")
    assert res.n_saturated == 1 and np.isnan(res.counts[0])
