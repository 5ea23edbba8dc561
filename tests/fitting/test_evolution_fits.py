"""Evolution fits (single D, global Arrhenius), posterior sampling, figures, model comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tracerdiff.errors import FitError, InputError
from tracerdiff.fitting import (
    PosteriorResult,
    ProfileData,
    compare_models,
    fit_arrhenius_evolution,
    fit_evolution,
    fit_profile,
    load_profile,
    plot_fit,
    sample_posterior,
)
from tracerdiff.history import Stage, ThermalHistory
from tracerdiff.solutions import cosine_series, erfc_profile
from tracerdiff.solvers.exact import evolve_exact

X = np.arange(160) * 25.0 + 12.5
WEEK = 7 * 86400.0
T110 = 110 * 3600.0
D = 3.0e-9
H_CM = 25e-4
INIT = erfc_profile(X, C_s=0.95, C_0=0.0759, D=8e-9, time_s=T110)


def _noisy(y: np.ndarray, rng: np.random.Generator, label: str) -> ProfileData:
    return ProfileData.from_arrays(
        X, y + rng.normal(0, 0.01, X.size), np.full(X.size, 0.01), source=label
    )


def test_cosine_series_evolution_recovers_D_within_1_percent() -> None:
    coeffs = [0.3, 0.25, 0.1, -0.05, 0.03]
    prof = [
        ProfileData.from_arrays(X, cosine_series(X, coeffs=coeffs, L_um=4000.0, D=D, time_s=t))
        for t in (0.0, 2 * WEEK, 6 * WEEK)
    ]
    r = fit_evolution(prof[0], prof[1:], times_s=[2 * WEEK, 6 * WEEK])
    assert r.converged
    assert abs(r.values["D_eff"] / D - 1) < 0.01


@pytest.mark.parametrize("mode", ["measured", "erfc"])
def test_noisy_evolution_recovers_D(mode: str) -> None:
    rng = np.random.default_rng(21)
    later = [evolve_exact(INIT, h_cm=H_CM, D_t_cm2=D * k * WEEK) for k in (2, 6)]
    r = fit_evolution(
        _noisy(INIT, rng, "0"),
        [_noisy(c, rng, f"{k}") for c, k in zip(later, (2, 6), strict=True)],
        times_s=[2 * WEEK, 6 * WEEK],
        initial_mode=mode,
        initial_time_s=T110,
    )
    se = r.stderr["D_eff"]
    assert r.converged and se is not None
    assert abs(r.values["D_eff"] - D) < 3 * se
    assert abs(r.values["D_eff"] / D - 1) < 0.02
    assert r.group_labels == ("2", "6") and r.n_points == 320
    assert any("closed at the ends" in n for n in r.notes)
    if mode == "erfc":
        assert r.extra["initial_erfc"]["D_eff"]["value"] == pytest.approx(8e-9, rel=0.05)


def test_domain_extension_and_overlap_checks() -> None:
    later = evolve_exact(INIT, h_cm=H_CM, D_t_cm2=D * 2 * WEEK)
    p0 = ProfileData.from_arrays(X, INIT)
    r = fit_evolution(
        p0, [ProfileData.from_arrays(X, later)], times_s=[2 * WEEK], domain_um=(0.0, 6000.0)
    )
    assert any("extended flat" in n for n in r.notes)
    assert r.extra["domain_um"] == [0.0, 6000.0]
    far = ProfileData.from_arrays(X + 10000.0, later)
    with pytest.raises(InputError, match="does not overlap"):
        fit_evolution(p0, [far], times_s=[2 * WEEK])
    with pytest.raises(InputError, match="one time per later"):
        fit_evolution(p0, [far], times_s=[1.0, 2.0])
    with pytest.raises(InputError, match="> 0 s"):
        fit_evolution(p0, [far], times_s=[-1.0])
    with pytest.raises(InputError, match="exchange time"):
        fit_evolution(p0, [far], times_s=[1.0], initial_mode="erfc")


def test_global_arrhenius_fit() -> None:
    rng = np.random.default_rng(9)
    d0, ea = 0.048, 0.43
    hists = [
        ThermalHistory([Stage(295.15, 2 * WEEK)]),
        ThermalHistory([Stage(295.15, 2 * WEEK), Stage(373.15, 7200.0)]),
        ThermalHistory(
            [
                Stage(295.15, 2 * WEEK),
                Stage(373.15, 7200.0),
                Stage(373.15, 600.0, end_temperature_K=423.15),
                Stage(423.15, 1800.0),
            ]
        ),
    ]
    later = [evolve_exact(INIT, h_cm=H_CM, D_t_cm2=h.integrated_D_t((d0, ea))) for h in hists]
    r = fit_arrhenius_evolution(
        _noisy(INIT, rng, "0"),
        [_noisy(c, rng, str(i)) for i, c in enumerate(later)],
        histories=hists,
    )
    assert r.converged and r.params == ("D0", "Ea")
    assert abs(r.values["Ea"] - ea) < 3 * (r.stderr["Ea"] or 0)
    assert abs(r.values["Ea"] - ea) < 0.03
    assert r.correlation[0, 1] > 0.9  # D0 and Ea strongly correlated
    with pytest.raises(FitError, match="two or more temperatures"):
        fit_arrhenius_evolution(
            _noisy(INIT, rng, "0"), [_noisy(later[0], rng, "1")], histories=[hists[0]]
        )
    with pytest.raises(InputError, match="closed"):
        fit_arrhenius_evolution(
            _noisy(INIT, rng, "0"),
            [_noisy(later[0], rng, "1")] * 2,
            histories=[ThermalHistory([Stage(300.0, 1.0, "source")]), hists[1]],
        )


def test_posterior_sampling_matches_least_squares() -> None:
    rng = np.random.default_rng(2)
    y = erfc_profile(X, C_s=0.95, C_0=0.0759, D=8e-9, time_s=T110) + rng.normal(0, 0.01, X.size)
    r = fit_profile(
        "erfc", ProfileData.from_arrays(X, y, np.full(X.size, 0.01)), time_s=T110, fix={"x0": 0.0}
    )
    post = sample_posterior(r, n_walkers=12, n_steps=400, rng=5)
    assert isinstance(post, PosteriorResult)
    assert post.samples.shape == (12 * 300, 3)
    assert post.values["D_eff"] == pytest.approx(r.values["D_eff"], rel=0.02)
    assert post.stderr["D_eff"] == pytest.approx(r.stderr["D_eff"], rel=0.35)
    assert 0.1 < post.acceptance_fraction < 0.9
    again = sample_posterior(r, n_walkers=12, n_steps=400, rng=5)
    assert np.array_equal(again.samples, post.samples)
    d = post.to_dict()
    assert d["n_samples"] == 3600 and d["ci95_D_eff"]["method"] == "posterior quantiles"


def test_plot_fit_returns_axes(tmp_path: Path) -> None:
    later = evolve_exact(INIT, h_cm=H_CM, D_t_cm2=D * 2 * WEEK)
    r = fit_evolution(
        ProfileData.from_arrays(X, INIT), [ProfileData.from_arrays(X, later)], times_s=[2 * WEEK]
    )
    ax = plot_fit(r, residuals=True)
    assert len(ax.figure.axes) == 2
    assert ax.get_legend() is not None
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "initial" in texts
    ax.figure.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 1000


def test_compare_models_on_real_18O_profile(real_data: Path) -> None:
    path = real_data / "web_lead_gururajan" / "TracerDiffusionData_FeSrTiO3_973K.csv"
    p = load_profile(path)
    assert p.n == 30 and p.C_err is None
    c = compare_models(p, time_s=86300.0, fix={"exchange": {"C_s": 1.0}, "erfc": {"x0": 0.0}})
    assert c.best == "exchange"
    assert c.delta_aic["erfc"] > 10 and c.delta_aic["thin-film"] > 10
    assert "strongly support exchange" in c.verdict
    ex = c.fits["exchange"]
    assert 2e-10 < ex.values["D_eff"] < 6e-10 and ex.noise == "estimated"
    assert set(c.to_dict()["models"]) == {"erfc", "exchange", "thin-film"}
    assert "exchange" in str(c)
