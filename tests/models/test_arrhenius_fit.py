"""Arrhenius fits: accuracy, coverage, covariance, reference temperature, curvature, plots."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from tracerdiff.errors import DataError, InputError
from tracerdiff.history import arrhenius_D
from tracerdiff.models import fit_arrhenius, plot_arrhenius
from tracerdiff.quantities import to_json
from tracerdiff.units import K_B_EV

EA, D0 = 0.43, 0.048
T = np.array([295.0, 330.0, 373.0, 423.0, 473.0, 523.0, 573.0, 673.0])


def _noisy(seed: int, rel: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    d = arrhenius_D(T, D0, EA)
    noise = np.random.default_rng(seed).standard_normal(T.size)
    measured = d * (1 + rel * noise)
    return measured, rel * measured  # errors quoted relative to the measured values


def test_exact_data_recovered() -> None:
    d = arrhenius_D(T, D0, EA)
    r = fit_arrhenius(T, d, 0.05 * d)
    assert r.ea_eV == pytest.approx(EA, rel=1e-10)
    assert r.d0 == pytest.approx(D0, rel=1e-9)
    assert r.chi2 == pytest.approx(0.0, abs=1e-15)


def test_accuracy_and_coverage_over_200_seeds() -> None:
    inside_ea = inside_d0 = 0
    for seed in range(200):
        d, err = _noisy(seed)
        r = fit_arrhenius(T, d, err)
        assert abs(r.ea_eV - EA) < 0.02
        inside_ea += abs(r.ea_eV - EA) < 1.96 * r.ea_err
        inside_d0 += abs(r.ln_d0 - math.log(D0)) < 1.96 * r.ln_d0_err
    assert inside_ea >= 180
    assert inside_d0 >= 180


def test_scatter_estimate_without_errors_uses_t_intervals() -> None:
    inside = 0
    for seed in range(200):
        d, _ = _noisy(seed)
        r = fit_arrhenius(T, d)
        assert r.error_source == "scatter"
        q = r._quantile(0.95)
        assert q > 1.96  # Student t with 6 dof
        inside += abs(r.ea_eV - EA) < q * r.ea_err
    assert inside >= 180
    assert "scatter estimated" in fit_arrhenius(T, _noisy(1)[0]).to_dict()["note"]


def test_extrapolation_band_covers_truth() -> None:
    t_cold = 163.15
    truth = float(arrhenius_D(t_cold, D0, EA))
    inside = 0
    for seed in range(200):
        d, err = _noisy(seed)
        p = fit_arrhenius(T, d, err).predict(t_cold)
        inside += p.lower[0] <= truth <= p.upper[0]
    assert inside >= 180


def test_reference_temperature_decorrelates() -> None:
    d, err = _noisy(3)
    r = fit_arrhenius(T, d, err)
    w = 1 / (err / d) ** 2
    assert r.T_ref_K == pytest.approx(1 / (np.sum(w / T) / np.sum(w)))
    # at T_ref the error of ln D equals the intercept error of a centred fit: minimal
    errs = [float(r.ln_d_at(t)[1][0]) for t in (r.T_ref_K * 0.9, r.T_ref_K, r.T_ref_K * 1.1)]
    assert errs[1] < errs[0] and errs[1] < errs[2]
    assert 0.9 < r.corr_ea_d0 <= 1.0
    r2 = fit_arrhenius(T, d, err, reference_T_K=300.0)
    assert r2.T_ref_K == 300.0
    assert r2.d_ref()[0] == pytest.approx(math.exp(r.ln_d0 - r.ea_eV / (K_B_EV * 300.0)))


def test_to_dict_keys_and_units() -> None:
    d, err = _noisy(5)
    out = fit_arrhenius(T, d, err, label="tracer").to_dict()
    assert out["Ea"]["unit"] == "eV" and out["D0"]["unit"] == "cm^2/s"
    assert out["Ea_kJ_per_mol"]["value"] == pytest.approx(out["Ea"]["value"] * 96.485, rel=1e-4)
    for key in ("corr_Ea_D0", "D_ref", "chi2_red", "T_ref", "curvature"):
        assert key in out
    to_json(out)


def test_curvature_detected_for_two_mechanisms() -> None:
    tt = np.linspace(250, 700, 12)
    d = arrhenius_D(tt, D0, EA) + arrhenius_D(tt, 1e3, 1.0)
    r = fit_arrhenius(tt, d, 0.03 * d)
    assert r.curvature["non_arrhenius"] is True
    d2, e2 = _noisy(11)
    assert fit_arrhenius(T, d2, e2).curvature["non_arrhenius"] is False


def test_errors_too_small_for_the_scatter_are_flagged() -> None:
    d, err = _noisy(4, rel=0.20)  # 20 % scatter ...
    r = fit_arrhenius(T, d, err / 10)  # ... quoted as 2 %
    out = r.to_dict()
    assert r.chi2_red > 5 and out["chi2_p_value"]["value"] < 0.01
    assert "exceeds the given D errors" in out["note"]
    ok = fit_arrhenius(T, *_noisy(4)).to_dict()
    assert "note" not in ok and ok["chi2_p_value"]["value"] > 0.01


def test_two_points_without_errors_has_no_stderr() -> None:
    r = fit_arrhenius([300.0, 400.0], [1e-9, 1e-8])
    out = r.to_dict()
    assert out["Ea"]["value"] == pytest.approx(K_B_EV * math.log(10) / (1 / 300 - 1 / 400))
    assert out["Ea"]["stderr"] is None and "note" in out["Ea"]
    assert out["curvature"]["tested"] is False


@pytest.mark.parametrize(
    ("t", "d", "exc"),
    [
        ([300, 400], [1e-9, -1e-8], DataError),
        ([300, 400], [0.0, 1e-8], DataError),
        ([300], [1e-9], InputError),
        ([300, 300], [1e-9, 2e-9], InputError),
    ],
)
def test_bad_input(t: list[float], d: list[float], exc: type[Exception]) -> None:
    with pytest.raises(exc):
        fit_arrhenius(t, d)


def test_plot_several_sets_with_celsius_axis() -> None:
    a = fit_arrhenius(T, *_noisy(1), label="tracer")
    d, err = _noisy(2)
    b = fit_arrhenius(T, 4 * d, 4 * err, label="conductivity")
    ax = plot_arrhenius([a, b], t_range_K=(250.0, 700.0))
    assert ax.get_yscale() == "log"
    assert len(ax.lines) >= 2 and len(ax.collections) >= 2
    top = next(c for c in ax.child_axes if c.get_xlabel() == "T (°C)")
    ticks_c = list(top.get_xticks())
    assert 0.0 in ticks_c and len(ticks_c) >= 4
    # ticks in degrees C sit where 1000/T says, and never crowd (>= 10 % of the width apart)
    xs = sorted(1000.0 / (np.array(ticks_c) + 273.15))
    lo, hi = ax.get_xlim()
    assert np.min(np.diff(xs)) >= 0.1 * (hi - lo) and lo <= xs[0] and xs[-1] <= hi
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("tracer: Ea =") and labels[1].startswith("conductivity: Ea =")
    plt.close(ax.figure)
