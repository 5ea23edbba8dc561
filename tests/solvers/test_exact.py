"""Transform solvers: equal to the dense semi-discrete answer; converge to analytic solutions."""

from __future__ import annotations

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.solutions import cosine_series, erfc_profile
from tracerdiff.solvers.exact import SpectralEvolver, evolve_exact
from tracerdiff.solvers.fv1d import boundary_vector, grid_operator

D = 3.0e-9


@pytest.mark.parametrize(
    ("left", "right"),
    [("closed", "closed"), ("source", "closed"), ("closed", "source"), ("source", "source")],
)
def test_equals_dense_eigendecomposition(left: str, right: str) -> None:
    rng = np.random.default_rng(3)
    n, h, dt = 48, 2.5e-3, 4e-6
    c0 = rng.uniform(0, 1, n)
    a = grid_operator(n, h_cm=h, d_cells=1.0, left=left, right=right).toarray()
    b = boundary_vector(n, h_cm=h, d_cells=1.0, left=left, right=right, c_left=0.95, c_right=0.08)
    w, v = np.linalg.eigh(a)
    base = np.linalg.solve(a, -b) if np.any(b) else np.zeros(n)
    ref = base + v @ (np.exp(w * dt) * (v.T @ (c0 - base)))
    got = evolve_exact(c0, h_cm=h, D_t_cm2=dt, left=left, right=right, c_left=0.95, c_right=0.08)
    assert np.abs(got - ref).max() < 1e-8


def _erfc_err(n: int) -> float:
    length_um = 6000.0
    h_cm = length_um * 1e-4 / n
    x_um = (np.arange(n) + 0.5) * length_um / n
    t = 110 * 3600.0
    got = evolve_exact(np.full(n, 0.0759), h_cm=h_cm, D_t_cm2=D * t, left="source", c_left=0.95)
    ref = erfc_profile(x_um, C_s=0.95, C_0=0.0759, D=D, time_s=t)
    return float(np.abs(got - ref).max())


def _cos_err(n: int) -> float:
    length_um = 4000.0
    x_um = (np.arange(n) + 0.5) * length_um / n
    coeffs = [0.3, 0.2, 0.0, 0.1]
    c0 = cosine_series(x_um, coeffs=coeffs, L_um=length_um, D=D, time_s=0.0)
    t = 42 * 86400.0 * 30
    got = evolve_exact(c0, h_cm=length_um * 1e-4 / n, D_t_cm2=D * t)
    return float(
        np.abs(got - cosine_series(x_um, coeffs=coeffs, L_um=length_um, D=D, time_s=t)).max()
    )


@pytest.mark.parametrize("errf", [_erfc_err, _cos_err])
def test_second_order_convergence_to_continuous(errf) -> None:  # type: ignore[no-untyped-def]
    errs = np.array([errf(n) for n in (64, 128, 256)])
    orders = np.log2(errs[:-1] / errs[1:])
    assert np.all(np.abs(orders - 2.0) < 0.15), orders


def test_closed_conserves_and_reaches_mean() -> None:
    c0 = np.r_[np.ones(10), np.zeros(90)]
    ev = SpectralEvolver.build(c0, h_cm=1e-3)
    assert np.array_equal(ev.at(0.0), c0) or np.abs(ev.at(0.0) - c0).max() < 1e-14
    mid = ev.at(1e-4)
    assert abs(mid.sum() - 10.0) < 1e-11
    assert np.all(np.diff(mid) <= 1e-14)
    assert np.abs(ev.at(10.0) - 0.1).max() < 1e-12


def test_source_closed_flips_consistently() -> None:
    rng = np.random.default_rng(5)
    c0 = rng.uniform(0, 1, 30)
    a = evolve_exact(c0, h_cm=1e-3, D_t_cm2=1e-6, left="source", c_left=0.7)
    b = evolve_exact(c0[::-1], h_cm=1e-3, D_t_cm2=1e-6, right="source", c_right=0.7)
    assert np.abs(a - b[::-1]).max() < 1e-14


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"D_t_cm2": -1.0}, "D t"),
        ({"h_cm": 0.0}, "h_cm"),
        ({"left": "open"}, "boundaries"),
        ({"left": "source"}, "c_left"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    base = {"h_cm": 1e-3, "D_t_cm2": 1e-6}
    base.update(kwargs)
    with pytest.raises(InputError, match=match):
        evolve_exact(np.zeros(5), **base)
    with pytest.raises(InputError, match="1D array"):
        evolve_exact(np.array([np.nan, 1.0]), h_cm=1e-3, D_t_cm2=1.0)
