"""Segmentation, grain statistics, registration and line crossings on synthetic micrographs."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from tracerdiff.errors import DataError, InputError, ShapeMismatchError
from tracerdiff.microstructure import (
    grain_statistics,
    line_crossings,
    lognormal_fit,
    register_points,
    segment_micrograph,
)


def test_segmentation_recovers_grains(micrograph_factory: Callable) -> None:
    m = micrograph_factory(1)
    seg = segment_micrograph(m.image, pixel_size_um=m.pixel_size_um)
    n_true = np.unique(m.labels).size
    assert abs(seg.n_grains - n_true) <= 0.1 * n_true
    st = grain_statistics(seg.labels, pixel_size_um=m.pixel_size_um)
    tr = grain_statistics(m.labels, pixel_size_um=m.pixel_size_um)
    assert st.mli_um == pytest.approx(tr.mli_um, rel=0.1)
    assert st.lognormal.mean == pytest.approx(tr.lognormal.mean, rel=0.15)
    d = st.to_dict()
    assert d["mean_linear_intercept"]["unit"] == "um" and d["lognormal"]["n"] == st.ecd_um.size


def test_lognormal_fit_recovers_parameters(rng: np.random.Generator) -> None:
    mu, s = 2.579, 0.622  # the study's grains: mean 16 um, sd 11 um
    fit = lognormal_fit(rng.lognormal(mu, s, 4000))
    assert abs(fit.mu_ln - mu) < 3 * fit.mu_ln_err
    assert abs(fit.sigma_ln - s) < 3 * fit.sigma_ln_err
    assert fit.mean == pytest.approx(16.0, rel=0.05) and fit.sd == pytest.approx(11.0, rel=0.08)
    with pytest.raises(DataError):
        lognormal_fit(np.array([1.0, 2.0]))


def test_mean_linear_intercept_of_stripes() -> None:
    labels = np.repeat(np.arange(1, 11), 10)[None, :].repeat(20, axis=0)  # 10 px wide stripes
    st = grain_statistics(labels, pixel_size_um=0.5, direction="x", exclude_edge=False)
    assert st.mli_um == pytest.approx(100 * 0.5 / 9)
    with pytest.raises(DataError):
        grain_statistics(labels, pixel_size_um=0.5, direction="y", exclude_edge=False)


def _affine() -> tuple[np.ndarray, np.ndarray]:
    ang = math.radians(3.0)
    A = 0.5 * np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
    return A, np.array([5.0, -2.0])


def test_registration_and_crossings(micrograph_factory: Callable) -> None:
    m = micrograph_factory(2)
    seg = segment_micrograph(m.image, pixel_size_um=m.pixel_size_um)
    A, t = _affine()
    src = np.array([[10.0, 10.0], [230.0, 15.0], [20.0, 150.0], [200.0, 140.0]])
    dst = src @ A.T + t + np.array([[0.05, 0], [0, -0.05], [0.0, 0.05], [-0.05, 0]])
    reg = register_points(src, dst, micrograph_shape=seg.shape)
    assert reg.rms_um < 0.1 and reg.residuals_um.shape == (4,)
    start, end = (20.0, 40.0), (110.0, 40.0)
    cr = line_crossings(seg, reg, start, end)
    # truth: label changes of the true Voronoi labels along the same line
    s = np.arange(0, 90.0, 0.05)
    colrow = np.rint(reg.to_micrograph(np.stack([20 + s, np.full_like(s, 40.0)], 1))).astype(int)
    lab = m.labels[colrow[:, 1], colrow[:, 0]]
    true_pos = s[1:][lab[1:] != lab[:-1]]
    groups = np.split(true_pos, np.flatnonzero(np.diff(true_pos) > 1.0) + 1)  # grazing a GB
    true_pos = np.array([g.mean() for g in groups])
    assert cr.positions_um.size == true_pos.size
    assert np.all(np.abs(cr.positions_um - true_pos) < 1.0)
    assert np.all((cr.angles_deg >= 0) & (cr.angles_deg <= 90))


def test_registration_bad_input(micrograph_factory: Callable) -> None:
    m = micrograph_factory(2, shape=(80, 100), n_grains=15)
    seg = segment_micrograph(m.image, pixel_size_um=0.5)
    src = np.array([[1.0, 1.0], [90.0, 2.0], [5.0, 70.0]])
    with pytest.raises(InputError):
        register_points(src[:2], src[:2], micrograph_shape=seg.shape)
    with pytest.raises(ShapeMismatchError):
        register_points(src + 200, src, micrograph_shape=seg.shape)
    reg = register_points(src, src * 0.5, micrograph_shape=(200, 300))
    with pytest.raises(ShapeMismatchError):
        line_crossings(seg, reg, (1.0, 1.0), (20.0, 1.0))


def test_segment_bad_input() -> None:
    with pytest.raises(DataError):
        segment_micrograph(np.ones((50, 50)), pixel_size_um=0.5)
    with pytest.raises(InputError):
        segment_micrograph(np.zeros((4, 4)), pixel_size_um=0.5)
    with pytest.raises(InputError):
        segment_micrograph(np.random.default_rng(0).random((50, 50)), pixel_size_um=-1)


@pytest.mark.parametrize("theta", [0.0, 25.0, 50.0])
def test_crossing_angle_of_inclined_boundaries(theta: float) -> None:
    # parallel grooves inclined by theta from the vertical; a horizontal line crosses them at
    # theta between the GB normal and the line
    rows, cols = 200, 300
    rr, cc = np.mgrid[0:rows, 0:cols].astype(float)
    u = cc * math.cos(math.radians(theta)) + rr * math.sin(math.radians(theta))
    img = 0.8 - 0.6 * (np.abs((u % 40) - 20) > 19.0)
    seg = segment_micrograph(img, pixel_size_um=0.5)
    src = np.array([[0.0, 0.0], [299.0, 0.0], [0.0, 199.0]])
    reg = register_points(src, src * 0.5, micrograph_shape=seg.shape)
    cr = line_crossings(seg, reg, (10.0, 50.0), (140.0, 50.0))
    assert cr.positions_um.size >= 4
    assert np.all(np.abs(cr.angles_deg - theta) < 3.0)
    spacing = 20.0 / math.cos(math.radians(theta))  # 40 px = 20 um along the normal
    assert np.allclose(np.diff(cr.positions_um), spacing, atol=1.0)
