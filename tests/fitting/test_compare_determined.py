"""Model comparison recommends only well-determined fits; fraction parameters stay fractions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tracerdiff.examples import write_example_data
from tracerdiff.fitting import ProfileData, compare_models, fit_profile, load_profile
from tracerdiff.fitting.models import fraction_bounds
from tracerdiff.fitting.status import determination_notes
from tracerdiff.solutions import exchange_profile

TIME_S = 3600.0
D_TRUE = 1e-10


def _exchange_data(seed: int = 5) -> ProfileData:
    """A surface-exchange profile (h sqrt(D t) = 1, C_s 0.9) with 0.3 % counting noise."""
    x = np.linspace(0.0, 40.0, 80)
    k_s = D_TRUE / np.sqrt(D_TRUE * TIME_S)
    c = exchange_profile(x, C_s=0.9, C_0=0.076, D=D_TRUE, k_s=k_s, time_s=TIME_S)
    c = c + np.random.default_rng(seed).normal(0.0, 0.003, x.size)
    return ProfileData.from_arrays(x, c, np.full(x.size, 0.003))


@pytest.fixture(scope="module")
def linescan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    write_example_data(folder)
    return folder / "linescan.csv"


def test_fraction_bounds_are_those_of_a_fraction() -> None:
    # [0, 1] and a quarter of the data's range beyond: a surface value fitted a little above 1
    # (noise, a polycrystal's staircase) is not clamped
    assert fraction_bounds(np.array([0.07, 0.5, 0.94])) == pytest.approx((-0.2175, 1.2175))
    # the data's own range where it reaches beyond [0, 1] (noise about a normalised 0 or 1)
    assert fraction_bounds(np.array([-0.01, 0.5, 1.02])) == pytest.approx((-0.2675, 1.2775))


def test_exchange_source_fraction_never_beyond_one(linescan: Path) -> None:
    """The demo line scan (constant source, grain staircase) once gave C_s = 9.5."""
    data = load_profile(linescan)
    r = fit_profile("exchange", data, time_s=110 * 3600.0)
    assert r.values["C_s"] <= fraction_bounds(np.asarray(data.C))[1] + 1e-12 < 1.3
    assert any("C_s" in n and "bound" in n for n in determination_notes(r))


def test_compare_passes_over_a_lowest_aic_fit_at_a_bound(linescan: Path) -> None:
    c = compare_models(load_profile(linescan), time_s=110 * 3600.0)
    lowest = min(c.delta_aic, key=lambda k: c.delta_aic[k])
    assert lowest == "exchange"  # the data's staircase favours the more flexible shape
    assert c.best == "erfc"  # but exchange's C_s sits at its bound, k_s not determined
    assert "exchange has a lower AIC" in c.verdict
    assert "not recommended" in c.verdict and "C_s is at its upper bound" in c.verdict
    assert str(c).startswith("model comparison: ")
    assert "<- recommended" in next(
        ln for ln in str(c).splitlines() if ln.strip().startswith("erfc")
    )


def test_compare_recommends_a_determined_exchange_fit() -> None:
    """C_s free: k_s and C_s trade off (not silently recommended); C_s held at the known source
    fraction: exchange is determined, recommended, and recovers D."""
    data = _exchange_data()
    free = compare_models(data, time_s=TIME_S)
    assert free.best != "exchange" and "exchange has a lower AIC" in free.verdict
    assert "known source fraction C_s" in free.verdict
    held = compare_models(data, time_s=TIME_S, fix={"exchange": {"C_s": 0.9}})
    assert held.best == "exchange"
    assert "not recommended" not in held.verdict
    d = held.fits["exchange"].D_eff
    assert d.stderr is not None
    assert abs(d.value - D_TRUE) < 3 * d.stderr


def test_compare_with_no_determined_fit_says_so() -> None:
    """A flat profile: no model's D_eff is determined; the verdict says so, naming the
    lowest-AIC model only as such."""
    x = np.linspace(0.0, 3.0, 7)
    y = np.array([0.9, 0.9, 0.89, 0.9, 0.9, 0.91, 0.9])
    c = compare_models(ProfileData.from_arrays(x, y, np.full(x.size, 0.01)), time_s=TIME_S)
    assert all(determination_notes(r) for r in c.fits.values())
    assert c.verdict.startswith("no model is well determined")
    assert f"lowest AIC: {c.best}" in c.verdict
