"""Line profiles: counts summed per pitch-long bin across the width, then the ratio."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr

from tracerdiff.errors import InputError
from tracerdiff.imaging import fraction_map, line_profile

Make = Callable[..., xr.Dataset]


def test_horizontal_profile_sums_exact_pixels(make_ds: Make, rng: np.random.Generator) -> None:
    a = rng.integers(0, 100, (12, 10)).astype(float)
    b = rng.integers(1, 100, (12, 10)).astype(float)
    prof = line_profile(
        make_ds(a, b, px=1.0, py=1.0), start_um=(0.5, 5.5), end_um=(9.5, 5.5), width_um=3.0
    )
    np.testing.assert_allclose(prof["x_um"], np.arange(10.0))
    np.testing.assert_allclose(prof["6Li"], a[4:7].sum(axis=0))  # rows 4, 5, 6 (|dy| <= 1.5)
    np.testing.assert_allclose(prof["7Li"], b[4:7].sum(axis=0))
    sa, sb = a[4:7].sum(axis=0), b[4:7].sum(axis=0)
    c = sa / (sa + sb)
    np.testing.assert_allclose(prof["C"], c)
    np.testing.assert_allclose(prof["C_err"], np.sqrt(c * (1 - c) / (sa + sb)))
    assert prof["n_pixels"].values.tolist() == [3] * 10
    assert prof.attrs["start_um"] == [0.5, 5.5] and prof.attrs["width_um"] == 3.0


def _brute_force(
    a: np.ndarray, px: float, py: float, p0: tuple[float, float], p1: tuple[float, float], w: float
) -> dict[int, float]:
    L = math.dist(p0, p1)
    ux, uy = (p1[0] - p0[0]) / L, (p1[1] - p0[1]) / L
    pitch = math.hypot(px * ux, py * uy)
    out: dict[int, float] = {}
    for j in range(a.shape[0]):
        for i in range(a.shape[1]):
            dx, dy = (i + 0.5) * px - p0[0], (j + 0.5) * py - p0[1]
            s, t = dx * ux + dy * uy, -dx * uy + dy * ux
            k = math.floor(s / pitch + 0.5)
            if abs(t) <= w / 2 and 0 <= k <= math.floor(L / pitch + 1e-9):
                out[k] = out.get(k, 0.0) + a[j, i]
    return out


def test_diagonal_profile_on_non_square_pixels_matches_brute_force(
    make_ds: Make, rng: np.random.Generator
) -> None:
    px, py = 500 / 512, 200 / 206
    a = rng.integers(0, 50, (40, 50)).astype(float)
    b = rng.integers(0, 50, (40, 50)).astype(float)
    p0, p1, w = (3.2, 4.1), (41.7, 33.3), 6.5
    prof = line_profile(make_ds(a, b, px=px, py=py), start_um=p0, end_um=p1, width_um=w)
    ref = _brute_force(a, px, py, p0, p1, w)
    got = prof["6Li"].values
    assert len(got) == max(ref) + 1
    np.testing.assert_allclose(got, [ref.get(k, 0.0) for k in range(len(got))])
    u = np.subtract(p1, p0) / math.dist(p0, p1)
    assert prof.attrs["pitch_um"] == pytest.approx(math.hypot(px * u[0], py * u[1]))


def test_pitch_follows_pixel_size_along_the_line(make_ds: Make) -> None:
    ds = make_ds(np.ones((20, 20)), np.ones((20, 20)), px=1.0, py=0.5)
    horiz = line_profile(ds, start_um=(0, 5), end_um=(19, 5), width_um=2)
    vert = line_profile(ds, start_um=(5, 0), end_um=(5, 9.5), width_um=2)
    assert horiz.attrs["pitch_um"] == 1.0 and vert.attrs["pitch_um"] == 0.5
    assert vert.sizes["x_um"] == 20


def test_step_position_and_sign_along_the_profile(step_image: Callable[..., xr.Dataset]) -> None:
    ds = step_image(ny=30, nx=60, x_step_px=30, mean=2000)
    px = float(ds.attrs["pixel_size_x_um"])
    fwd = line_profile(ds, start_um=(0.5 * px, 10), end_um=(59.5 * px, 10), width_um=10)
    back = line_profile(ds, start_um=(59.5 * px, 10), end_um=(0.5 * px, 10), width_um=10)
    c = fwd["C"].values
    assert np.all(np.abs(c[:30] - 0.6) < 0.03) and np.all(np.abs(c[30:] - 0.3) < 0.03)
    np.testing.assert_allclose(back["C"].values, c[::-1])


def test_profile_of_map_equals_profile_of_images_and_sums_variances(
    make_ds: Make, rng: np.random.Generator
) -> None:
    a = rng.integers(0, 300, (15, 25)).astype(float)
    b = rng.integers(0, 300, (15, 25)).astype(float)
    ds = make_ds(a, b)
    opts = {"shots_per_pixel": 1, "scans": 1000}
    fds = fraction_map(ds, **opts)
    geo = {"start_um": (1.0, 7.0), "end_um": (22.0, 7.0), "width_um": 4.0}
    p_map = line_profile(fds, **geo)
    p_img = line_profile(ds, pair="6Li/7Li", **geo, **opts)
    np.testing.assert_allclose(p_map["C"], p_img["C"])
    assert "var_6Li" in p_map
    rows = np.abs((np.arange(15) + 0.5) * float(ds.attrs["pixel_size_y_um"]) - 7.0) <= 2.0
    n_a = -1000 * np.log1p(-a / 1000)
    assert p_map["6Li"].sum() == pytest.approx(n_a[rows][:, 1:23].sum(), rel=1e-5)
    sa, sb = p_map["6Li"].values, p_map["7Li"].values
    va, vb = p_map["var_6Li"].values, p_map["var_7Li"].values
    expect = np.sqrt(sb**2 * va + sa**2 * vb) / (sa + sb) ** 2
    np.testing.assert_allclose(p_map["C_err"], expect, rtol=1e-6)
    with pytest.raises(InputError, match="pair"):
        line_profile(fds, pair="18O/16O", **geo)


def test_normalised_map_gives_normalised_profile(step_image: Callable[..., xr.Dataset]) -> None:
    ds = step_image(ny=20, nx=30)
    raw = line_profile(ds, start_um=(1, 5), end_um=(25, 5), width_um=3)
    fds = fraction_map(ds, background=0.0759, source=0.95)
    norm = line_profile(fds, start_um=(1, 5), end_um=(25, 5), width_um=3)
    np.testing.assert_allclose(norm["C"], (raw["C"] - 0.0759) / (0.95 - 0.0759), rtol=1e-6)
    assert norm.attrs["normalised"] == 1


@pytest.mark.parametrize(
    ("start", "end", "width", "match"),
    [
        ((1.0, 1.0), (300.0, 1.0), 2.0, "outside the image"),
        ((-1.0, 1.0), (5.0, 1.0), 2.0, "outside the image"),
        ((1.0, 1.0), (5.0, 1.0), 0.0, "width must be > 0"),
        ((1.0, 1.0), (5.0, 1.0), -3.0, "width must be > 0"),
        ((2.0, 2.0), (2.0, 2.0), 1.0, "zero length"),
        ((np.nan, 2.0), (2.0, 5.0), 1.0, "finite"),
    ],
)
def test_bad_lines_raise(make_ds: Make, start: tuple, end: tuple, width: float, match: str) -> None:
    ds = make_ds(np.ones((10, 10)), np.ones((10, 10)))
    with pytest.raises(InputError, match=match):
        line_profile(ds, start_um=start, end_um=end, width_um=width)


def test_masked_pixels_are_left_out_of_the_sums(make_ds: Make) -> None:
    a = np.full((6, 8), 10.0)
    a[2, 3] = 100.0  # saturated at N = 100
    ds = make_ds(a, np.full((6, 8), 10.0), px=1.0, py=1.0)
    fds = fraction_map(ds, shots_per_pixel=100, scans=1, saturated="nan")
    prof = line_profile(fds, start_um=(0.5, 2.5), end_um=(7.5, 2.5), width_um=3.0)
    assert prof["n_pixels"].values.tolist() == [3, 3, 3, 2, 3, 3, 3, 3]
    assert np.isfinite(prof["C"]).all()
