"""The SIMS measurement simulator: counts, yield, dead-time saturation, PSF, line scans."""

from __future__ import annotations

import numpy as np
import pytest

from tracerdiff.errors import DataError, InputError
from tracerdiff.simulate import simulate_line_scan, simulate_sims_image


def test_counts_follow_fraction_and_poisson_statistics() -> None:
    c = np.full((50, 120), 0.3)
    img = simulate_sims_image(
        c,
        cell_um=1.0,
        field_um=(100.0, 40.0),
        pixels=(100, 40),
        mean_counts=400.0,
        psf_sigma_px=0.0,
        rng=1,
    )
    n6, n7 = img.counts["6Li"], img.counts["7Li"]
    assert n6.shape == (40, 100)
    assert n6.mean() == pytest.approx(120.0, rel=0.02)
    assert n6.var() == pytest.approx(120.0, rel=0.1)  # Poisson
    assert (n6.sum() / (n6.sum() + n7.sum())) == pytest.approx(0.3, abs=0.003)
    assert img.pixel_size_um == (1.0, 1.0)


def test_dead_time_saturation_is_binomial_over_the_pulses() -> None:
    c = np.full((30, 60), 0.9)
    shots = 4 * 100
    img = simulate_sims_image(
        c,
        cell_um=1.0,
        field_um=(50.0, 25.0),
        pixels=(50, 25),
        mean_counts=600.0,
        shots_per_pixel=4,
        scans=100,
        psf_sigma_px=0.0,
        rng=2,
    )
    lam = 540.0
    expected = shots * (1 - np.exp(-lam / shots))
    n6 = img.counts["6Li"]
    assert n6.mean() == pytest.approx(expected, rel=0.01)
    assert n6.max() <= shots
    # the study's correction -N ln(1 - I/N) recovers the true intensity
    assert float(np.mean(-shots * np.log1p(-n6 / shots))) == pytest.approx(lam, rel=0.02)


def test_psf_blurs_intensities_not_ratios_and_yield_cancels() -> None:
    c = np.full((40, 80), 0.5)
    y = np.ones((40, 80))
    y[:, 40:] = 3.0  # a bright grain
    img = simulate_sims_image(
        c,
        cell_um=1.0,
        yield_map=y,
        field_um=(80.0, 40.0),
        pixels=(80, 40),
        mean_counts=1e6,
        psf_sigma_px=1.5,
        rng=3,
    )
    tot = img.counts["6Li"] + img.counts["7Li"]
    frac = img.counts["6Li"] / tot
    assert tot[:, 45:].mean() / tot[:, :35].mean() == pytest.approx(3.0, rel=0.01)
    # the edge is blurred: both pixels next to it are pulled towards each other (unblurred:
    # exactly 1e6 and 3e6 counts), symmetrically about the mean of the two sides
    left, right = tot[:, 39].mean(), tot[:, 40].mean()
    assert 1.3e6 < left < 1.9e6 and 2.1e6 < right < 2.7e6
    assert (left + right) / 2 == pytest.approx(2e6, rel=0.01)
    assert np.abs(frac - 0.5).max() < 0.01  # ratios stay at C everywhere


def test_resampling_to_non_square_pixels() -> None:
    c = np.tile(np.linspace(0, 1, 500), (200, 1))
    img = simulate_sims_image(c, cell_um=1.0, mean_counts=1e6, psf_sigma_px=0.0, rng=4)
    assert img.counts["6Li"].shape == (206, 512)
    px = (np.arange(512) + 0.5) * 500 / 512
    frac = img.expected_fraction[100]
    assert np.allclose(frac, np.interp(px - 0.5, np.arange(500), np.linspace(0, 1, 500)), atol=1e-9)


def test_line_scan_profile_within_counting_errors() -> None:
    x = np.arange(2000) + 0.5
    c = 0.0759 + 0.874 * np.exp(-x / 300.0)
    pos = np.arange(25.0, 1500.0, 50.0)
    prof = simulate_line_scan(x, c, positions_um=pos, raster_um=50.0, counts_per_spot=1e5, rng=5)
    truth = np.array([c[(x >= p - 25) & (x < p + 25)].mean() for p in pos])
    z = (prof["C"].values - truth) / prof["C_err"].values
    assert abs(z.mean()) < 0.6 and 0.6 < z.std() < 1.5
    assert set(prof.data_vars) == {"C", "C_err", "6Li", "7Li"}
    assert prof.attrs["width_um"] == 50.0


def test_bad_inputs() -> None:
    with pytest.raises(DataError):
        simulate_sims_image(np.full((5, 5), 1.5), cell_um=1.0, field_um=(5, 5), pixels=(5, 5))
    with pytest.raises(InputError):
        simulate_sims_image(np.full((5, 5), 0.5), cell_um=1.0, field_um=(50, 5), pixels=(5, 5))
    with pytest.raises(InputError):
        simulate_line_scan(np.arange(10.0), np.ones(10), positions_um=np.array([9.0]))


def test_ratio_at_a_bright_grain_edge_is_the_ratio_of_blurred_intensities() -> None:
    from scipy import ndimage

    c = np.full((20, 60), 0.2)
    c[:, 30:] = 0.8
    y = np.ones_like(c)
    y[:, 30:] = 3.0
    img = simulate_sims_image(
        c,
        cell_um=1.0,
        yield_map=y,
        field_um=(60.0, 20.0),
        pixels=(60, 20),
        mean_counts=1e6,
        psf_sigma_px=1.5,
        rng=6,
    )
    frac = (img.counts["6Li"] / (img.counts["6Li"] + img.counts["7Li"])).mean(axis=0)

    def blur(a: np.ndarray) -> np.ndarray:
        return ndimage.gaussian_filter(a, 1.5, mode="nearest").mean(axis=0)

    want = blur(y * c) / blur(y)  # intensities blurred, then the ratio taken
    assert np.max(np.abs(frac - want)) < 2e-3
    assert np.max(np.abs(want - blur(c))) > 0.05  # blurring the ratio would differ visibly
