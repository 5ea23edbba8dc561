"""Microstructures: sizes follow the prescribed lognormal, GB pairs, laminates, chains."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from tracerdiff.errors import InputError
from tracerdiff.simulate import (
    grain_pairs,
    lognormal_params,
    make_grain_chain,
    make_laminate,
    make_polycrystal,
    measure_grain_sizes,
)


def test_lognormal_params_match_the_study() -> None:
    mu, s = lognormal_params(16.0, 11.0)
    assert mu == pytest.approx(2.579, abs=1e-3)
    assert s == pytest.approx(0.622, abs=1e-3)


@pytest.fixture(scope="module")
def poly():
    return make_polycrystal(
        (200, 600), mean_um=16.0, sd_um=11.0, k_sigma_ln=0.4, yield_sigma_ln=0.3, rng=11
    )


def test_measured_grain_sizes_follow_the_lognormal(poly) -> None:
    d = measure_grain_sizes(poly.labels, pixel_size_um=1.0)
    assert 300 < d.size < 600
    # sizes measured on the pixel grid follow the prescribed distribution
    assert np.mean(d) == pytest.approx(16.0, rel=0.1)
    assert np.std(d, ddof=1) == pytest.approx(11.0, rel=0.15)
    mu, s = lognormal_params(16.0, 11.0)
    assert stats.kstest(np.log(d), "norm", args=(mu, s)).pvalue > 0.01
    # and grain by grain the measured distribution matches the drawn targets
    targ = np.sort(poly.target_diameters_um)[-d.size :]
    assert np.median(np.abs(np.sort(d) - targ) / targ) < 0.1


def test_gb_factors_and_yields_have_the_requested_spread(poly) -> None:
    assert poly.k_factor.size == poly.pairs.shape[0] > 500
    assert np.std(np.log(poly.k_factor)) == pytest.approx(0.4, rel=0.1)
    assert np.std(np.log(poly.yield_factor)) == pytest.approx(0.3, rel=0.15)
    a, b = poly.pairs[3]
    assert poly.k_pair(int(b), int(a)) == poly.k_factor[3]


def test_same_seed_same_polycrystal() -> None:
    p1 = make_polycrystal((40, 80), mean_um=8, sd_um=4, rng=3)
    p2 = make_polycrystal((40, 80), mean_um=8, sd_um=4, rng=3)
    p3 = make_polycrystal((40, 80), mean_um=8, sd_um=4, rng=4)
    assert np.array_equal(p1.labels, p2.labels)
    assert np.array_equal(p1.k_factor, p2.k_factor)
    assert not np.array_equal(p1.labels, p3.labels)


def test_grain_pairs_on_a_tiny_image() -> None:
    lab = np.array([[0, 0, 1], [2, 2, 1]])
    pairs, xp, yp = grain_pairs(lab)
    assert pairs.tolist() == [[0, 1], [0, 2], [1, 2]]
    assert xp.tolist() == [[-1, 0], [-1, 2]]
    assert yp.tolist() == [[1, 1, -1]]


def test_laminate_and_bad_widths() -> None:
    lam = make_laminate((3, 10), [4, 6])
    assert lam.labels[:, :4].max() == 0 and lam.labels[:, 4:].min() == 1
    assert lam.pairs.tolist() == [[0, 1]]
    with pytest.raises(InputError):
        make_laminate((3, 10), [4, 5])


def test_grain_chain_lengths_and_factors() -> None:
    ch = make_grain_chain(20000.0, mean_um=16.0, sd_um=11.0, k_sigma_ln=0.4, rng=2)
    gl = ch.grain_lengths_um()[1:-1]
    assert gl.mean() == pytest.approx(16.0, rel=0.08)
    assert gl.std() == pytest.approx(11.0, rel=0.12)
    assert ch.gb_faces.size == ch.k_factor.size
    k = ch.face_conductance(1e-6)
    assert np.isinf(k).sum() == ch.n_cells - 1 - ch.gb_faces.size
    assert math.isfinite(float(k[ch.gb_faces[0]]))


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InputError):
        make_polycrystal((0, 10), rng=1)
    with pytest.raises(InputError):
        lognormal_params(-1.0, 1.0)
