"""Peer agreement: backward Euler with the same face conductances as FiPy, to 1e-6."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from tracerdiff.simulate import (
    diffusion_operator,
    face_conductances_2d,
    grid_geometry,
    integrate_stage,
    make_polycrystal,
)

from .fipy_peer import fipy_backward_euler

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("fipy") is None, reason="needs FiPy"),
    # FiPy 4 itself imports numpy.core and other deprecated names
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
]


def test_backward_euler_matches_fipy_on_a_small_polycrystal() -> None:
    poly = make_polycrystal((12, 30), mean_um=8.0, sd_um=4.0, k_sigma_ln=0.4, rng=5)
    h, d_b, k = 1e-4, 2.6e-8, 1.5e-6
    geo = grid_geometry(poly.labels)
    gx, gy = face_conductances_2d(geo, k * poly.k_factor, h_cm=h, d_bulk=d_b, gb_faces="corrected")
    assert np.any(gx < 0.5 * d_b / h)  # there are GB faces, and they are slow
    a, b = diffusion_operator(gx, gy, h_cm=h, boundary={"left": (2 * d_b / h, 0.95)})
    t, n = 600.0, 10
    ours, *_ = integrate_stage(
        a, b, np.full(a.shape[0], 0.0759), duration_s=t, steps=n, scheme="be"
    )
    peer = fipy_backward_euler(
        gx, gy, h_cm=h, d_bulk=d_b, c0=0.0759, c_source=0.95, time_s=t, steps=n
    )
    assert np.max(np.abs(ours.reshape(peer.shape) - peer)) < 1e-6
    assert peer[:, 0].mean() > 0.3  # the tracer really entered
