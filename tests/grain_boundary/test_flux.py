"""The flux estimator's inputs: J from two profiles (conservation) and from a coarse gradient."""

from __future__ import annotations

import numpy as np
import pytest

from tracerdiff.errors import InputError, ShapeMismatchError
from tracerdiff.grain_boundary import flux_from_gradient, flux_from_two_profiles
from tracerdiff.solvers.fv1d import evolve_fv1d


def test_two_profiles_flux_matches_solver_flux() -> None:
    # homogeneous bar, source at x = 0, closed far end: the mean flux over [t1, t2] at an
    # interior face equals the tracer gained beyond it / dt
    h_um, n, d = 1.0, 300, 2.6e-8
    c0 = np.full(n, 0.076)
    t1, t2 = 2e5, 2.2e5
    c1 = evolve_fv1d(c0, h_cm=h_um * 1e-4, d_cells=d, time_s=t1, left="source", c_left=0.95)
    c2 = evolve_fv1d(c0, h_cm=h_um * 1e-4, d_cells=d, time_s=t2, left="source", c_left=0.95)
    x = (np.arange(n) + 0.5) * h_um
    e = np.full(n, 1e-4)
    J = flux_from_two_profiles(x, c1, e, c2, e, dt_s=t2 - t1)
    # mid-interval gradient flux, at the face at 100 um
    cm = evolve_fv1d(
        c0, h_cm=h_um * 1e-4, d_cells=d, time_s=0.5 * (t1 + t2), left="source", c_left=0.95
    )
    j_mid = -d * (cm[100] - cm[99]) / (h_um * 1e-4)
    j, je = J(100.0)
    assert j == pytest.approx(j_mid, rel=0.01)
    assert je == pytest.approx(np.sqrt(200 * 2e-8) * 1e-4 / (t2 - t1), rel=1e-6)
    assert J(x[-1] + 0.5)[0] == 0.0  # closed end


def test_flux_from_gradient() -> None:
    j, je = flux_from_gradient(-30.0, 3.0, d_eff=2.3e-9, d_eff_err=0.23e-9)
    assert j == pytest.approx(6.9e-8)
    assert je == pytest.approx(np.hypot(2.3e-9 * 3.0, 30 * 0.23e-9))
    with pytest.raises(InputError):
        flux_from_gradient(-30.0, 3.0, d_eff=-1.0)


def test_two_profiles_bad_input() -> None:
    x = np.arange(10.0)
    with pytest.raises(ShapeMismatchError):
        flux_from_two_profiles(x, x[:5], x[:5], x[:5], x[:5], dt_s=1.0)
    with pytest.raises(InputError):
        flux_from_two_profiles(x, x, x, x, x, dt_s=0.0)
