"""Binning and sub-pixel shifts (counts with w, variances with w^2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from tracerdiff.errors import InputError
from tracerdiff.imaging import bin_pixels, estimate_drift, line_profile, shift_image


def test_bin_pixels_sums_and_propagates_nan() -> None:
    a = np.arange(24, dtype=float).reshape(4, 6)
    a[0, 0] = np.nan
    out = bin_pixels(a, 2)
    assert out.shape == (2, 3) and np.isnan(out[0, 0])
    assert out[1, 2] == a[2:4, 4:6].sum()
    assert bin_pixels(np.eye(4, dtype=bool), 2).tolist() == [[True, False], [False, True]]
    with pytest.raises(InputError):
        bin_pixels(a, 5)


def test_shift_matches_scipy_linear_interpolation(rng: np.random.Generator) -> None:
    img = rng.random((30, 40))
    s = (1.3, -2.6)
    ours = shift_image(img, s)
    ref = ndimage.shift(img, s, order=1, mode="constant", cval=np.nan)
    inner = np.isfinite(ours)
    assert inner.sum() == (30 - 2) * (40 - 3)
    np.testing.assert_allclose(ours[inner], ref[inner], rtol=1e-12)


def test_shift_variance_uses_squared_weights() -> None:
    var = np.full((6, 6), 4.0)
    out = shift_image(var, (0.5, 0.0), variance=True)
    assert out[3, 3] == pytest.approx(4.0 * (0.25 + 0.25))
    assert np.isnan(out[0]).all()  # no source row above the image
    np.testing.assert_allclose(shift_image(var, (2.0, -1.0))[2:, :-1], 4.0)


def test_estimate_drift_requires_frames() -> None:
    with pytest.raises(InputError):
        estimate_drift(np.ones((4, 4)))
    assert estimate_drift(np.ones((1, 8, 8))).shifts_px.tolist() == [[0.0, 0.0]]


@settings(max_examples=25, deadline=None)
@given(
    x0=st.floats(0, 20),
    y0=st.floats(0, 12),
    x1=st.floats(0, 20),
    y1=st.floats(0, 12),
    width=st.floats(0.3, 8),
)
def test_profile_counts_are_conserved(
    x0: float, y0: float, x1: float, y1: float, width: float
) -> None:
    """Every pixel in the band is counted exactly once (brute-force check)."""
    import xarray as xr

    if math.hypot(x1 - x0, y1 - y0) < 0.5:
        return
    px, py = 1.0, 0.8
    a = np.arange(15 * 20, dtype=float).reshape(15, 20) % 7 + 1
    ds = xr.Dataset(
        {"6Li": (("y", "x"), a), "7Li": (("y", "x"), a)},
        attrs={"pixel_size_x_um": px, "pixel_size_y_um": py},
    )
    L = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / L, (y1 - y0) / L
    pitch = math.hypot(px * ux, py * uy)
    nb = math.floor(L / pitch + 1e-9) + 1
    total = 0.0
    for j in range(15):
        for i in range(20):
            dx, dy = (i + 0.5) * px - x0, (j + 0.5) * py - y0
            k = math.floor((dx * ux + dy * uy) / pitch + 0.5)
            if abs(dy * ux - dx * uy) <= width / 2 and 0 <= k < nb:
                total += a[j, i]
    if total == 0:  # a band along the image edge that holds no pixel centre
        with pytest.raises(InputError, match="no pixel centre"):
            line_profile(ds, start_um=(x0, y0), end_um=(x1, y1), width_um=width)
        return
    prof = line_profile(ds, start_um=(x0, y0), end_um=(x1, y1), width_um=width)
    assert float(prof["6Li"].sum()) == pytest.approx(total)
    assert prof.sizes["x_um"] == nb


def test_shifted_frames_keep_the_variance_of_region_sums(rng: np.random.Generator) -> None:
    """After sub-pixel shifts, the summed variances match the spread of a sum over a region."""
    from tracerdiff.imaging.pipeline import PipelineState, _shift_and_sum

    lam, shifts = 50.0, np.array([[0.0, 0.0], [0.5, 0.5], [-0.3, 0.7]])
    sums, predicted = [], []
    for _ in range(400):
        a = rng.poisson(lam, (3, 12, 12)).astype(float)
        st = PipelineState(a, a.copy(), None, None, np.zeros(a.shape, bool), [], [])
        _shift_and_sum(st, shifts, np.float64)
        assert st.var_a is not None
        sums.append(st.n_a[3:9, 3:9].sum())
        predicted.append(st.var_a[3:9, 3:9].sum())
    # each interior source pixel contributes weight 1 to the region sum: variance = 3 x 36 x lam
    assert np.mean(predicted) == pytest.approx(3 * 36 * lam, rel=0.02)
    assert np.var(sums, ddof=1) == pytest.approx(np.mean(predicted), rel=0.2)
