"""fv1d against analytic solutions, the dense eigen-decomposition of its operator, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import erfc

from tracerdiff.errors import InputError
from tracerdiff.solvers.fv1d import boundary_vector, evolve_fv1d, grid_operator

D = 3.0e-9  # cm^2/s
T_110H = 110 * 3600.0


def _centres(n: int, length_cm: float) -> tuple[np.ndarray, float]:
    h = length_cm / n
    return (np.arange(n) + 0.5) * h, h


def _erfc_error(n: int) -> float:
    x, h = _centres(n, 0.6)  # 6 mm >> 2 sqrt(D t) = 0.069 cm: semi-infinite
    c = evolve_fv1d(
        np.zeros(n), h_cm=h, d_cells=D, time_s=T_110H, left="source", c_left=1.0, rtol=1e-12
    )
    return float(np.abs(c - erfc(x / (2 * np.sqrt(D * T_110H)))).max())


def test_erfc_source_second_order_convergence() -> None:
    errs = [_erfc_error(n) for n in (150, 300, 600)]
    assert errs[-1] < 4e-5
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(orders > 1.8), orders


def _cosine_error(n: int) -> float:
    length = 0.4
    x, h = _centres(n, length)
    t = 14 * 86400.0
    k1, k2 = np.pi / length, 3 * np.pi / length
    c0 = 0.3 + 0.2 * np.cos(k1 * x) + 0.1 * np.cos(k2 * x)
    exact = (
        0.3
        + 0.2 * np.cos(k1 * x) * np.exp(-(k1**2) * D * t * 40)
        + 0.1 * np.cos(k2 * x) * np.exp(-(k2**2) * D * t * 40)
    )
    c = evolve_fv1d(c0, h_cm=h, d_cells=D * 40, time_s=t, rtol=1e-12)
    return float(np.abs(c - exact).max())


def test_closed_cosine_series_second_order_convergence() -> None:
    errs = [_cosine_error(n) for n in (50, 100, 200)]
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(orders - 2.0) < 0.1), orders
    assert errs[-1] < 1e-4


def _dense_exact(c0, *, h, d, k, left, right, cl, cr, t):  # type: ignore[no-untyped-def]
    n = c0.size
    a = grid_operator(n, h_cm=h, d_cells=d, gb_conductance=k, left=left, right=right).toarray()
    b = boundary_vector(n, h_cm=h, d_cells=d, left=left, right=right, c_left=cl, c_right=cr)
    w, v = np.linalg.eigh(a)
    base = np.linalg.solve(a, -b) if np.any(b) else np.zeros(n)
    return base + v @ (np.exp(w * t) * (v.T @ (c0 - base)))


@pytest.mark.parametrize(
    ("left", "right", "t"),
    [
        ("source", "closed", 3e5),
        ("closed", "closed", 2e6),
        ("source", "source", 1e4),
        ("closed", "source", 1e7),
    ],
)
def test_matches_eigendecomposition_with_interfaces(left: str, right: str, t: float) -> None:
    rng = np.random.default_rng(7)
    n, h = 120, 2e-4
    d = 10 ** rng.uniform(-9.5, -8, n)
    k = np.full(n - 1, np.inf)
    k[::10] = 10 ** rng.uniform(-7, -5, k[::10].size)
    c0 = rng.uniform(0, 1, n)
    kw = {"h_cm": h, "d_cells": d, "gb_conductance": k, "left": left, "right": right}
    got = evolve_fv1d(c0, time_s=t, c_left=0.95, c_right=0.1, rtol=1e-11, **kw)
    ref = _dense_exact(c0, h=h, d=d, k=k, left=left, right=right, cl=0.95, cr=0.1, t=t)
    assert np.abs(got - ref).max() < 1e-8
    # the default tolerance is honoured relative to the deviation from steady state
    loose = evolve_fv1d(c0, time_s=t, c_left=0.95, c_right=0.1, **kw)
    assert np.abs(loose - ref).max() < 1e-6


def test_closed_domain_conserves_and_staircase_steady_flux() -> None:
    n, h = 60, 1e-4
    k = np.full(n - 1, np.inf)
    k[19], k[39] = 1e-7, 1e-7
    c0 = np.where(np.arange(n) < 10, 1.0, 0.0)
    c = evolve_fv1d(c0, h_cm=h, d_cells=2e-8, gb_conductance=k, time_s=5e4)
    assert abs(c.sum() - c0.sum()) < 1e-10
    # a slow interface makes a jump: nearly flat grains, a step at the GB
    assert c[19] - c[20] > 10 * abs(c[18] - c[19])
    # steady state between two sources: the flux through every face is the same
    cs = evolve_fv1d(
        np.zeros(n),
        h_cm=h,
        d_cells=2e-8,
        gb_conductance=k,
        time_s=1e12,
        left="source",
        right="source",
        c_left=1.0,
        c_right=0.0,
    )
    g = 1.0 / (h / 2e-8 + 1.0 / k)
    flux = g * (cs[:-1] - cs[1:])
    assert np.ptp(flux) < 1e-9 * flux.mean()


def test_operator_symmetric_and_conservative() -> None:
    a = grid_operator(
        5,
        h_cm=1e-4,
        d_cells=[1e-8, 2e-8, 3e-8, 4e-8, 5e-8],
        gb_conductance=[np.inf, 1e-6, np.inf, 1e-5],
    ).toarray()
    assert np.allclose(a, a.T, rtol=0, atol=0)
    assert np.allclose(a.sum(axis=0), 0.0, atol=1e-12)
    # harmonic face diffusivity between cells 0 and 1: 2*1*2/(1+2) e-8 / h^2
    assert a[0, 1] == pytest.approx(4 / 3 * 1e-8 / 1e-8)
    # interface: G = 1 / (h / D_face + 1 / k)
    d_face = 2 * 2e-8 * 3e-8 / 5e-8
    assert a[1, 2] == pytest.approx(1 / (1e-4 / d_face + 1e6) / 1e-4)


def test_zero_time_returns_copy() -> None:
    c0 = np.array([1.0, 0.0, 0.0])
    out = evolve_fv1d(c0, h_cm=1e-4, d_cells=1e-8, time_s=0.0)
    assert np.array_equal(out, c0) and out is not c0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"d_cells": -1e-8}, "d_cells"),
        ({"d_cells": [1e-8, 1e-8]}, "d_cells"),
        ({"h_cm": 0.0}, "h_cm"),
        ({"time_s": -1.0}, "time_s"),
        ({"left": "open"}, "boundary"),
        ({"left": "source"}, "c_left"),
        ({"gb_conductance": [1e-6]}, "gb_conductance"),
        ({"gb_conductance": [1e-6, -1.0]}, "gb_conductance"),
        ({"rtol": 2.0}, "rtol"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    base = {"h_cm": 1e-4, "d_cells": 1e-8, "time_s": 10.0}
    base.update(kwargs)
    with pytest.raises(InputError, match=match):
        evolve_fv1d(np.zeros(3), **base)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=2, max_value=40),
    seed=st.integers(min_value=0, max_value=2**31 - 1),
    t=st.floats(min_value=1.0, max_value=1e8),
)
def test_property_conservation_and_maximum_principle(n: int, seed: int, t: float) -> None:
    rng = np.random.default_rng(seed)
    d = 10 ** rng.uniform(-10, -7, n)
    k = np.where(rng.random(n - 1) < 0.3, 10 ** rng.uniform(-8, -5, n - 1), np.inf)
    c0 = rng.uniform(0, 1, n)
    c = evolve_fv1d(c0, h_cm=1e-4, d_cells=d, gb_conductance=k, time_s=t)
    assert abs(c.sum() - c0.sum()) < 1e-9 * n
    assert c.min() >= c0.min() - 1e-6 and c.max() <= c0.max() + 1e-6
