"""Analytic kernels: limits, overflow-free exchange solution, mass balance, the heat equation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erfc, erfcx

from tracerdiff.errors import InputError
from tracerdiff.solutions import (
    cosine_series,
    diffusion_length_um,
    erfc_profile,
    exchange_profile,
    thin_film_profile,
)

D, T = 3.0e-9, 110 * 3600.0
X = np.linspace(0, 4000, 161)


def test_erfc_surface_far_field_and_meniscus() -> None:
    c = erfc_profile(X, C_s=0.95, C_0=0.0759, D=D, time_s=T, x0_um=100.0)
    assert c[X <= 100].tolist() == pytest.approx([0.95] * int((X <= 100).sum()))
    assert c[-1] == pytest.approx(0.0759, abs=1e-12)
    # 1 um = 1e-4 cm: at x - x0 = 2 sqrt(D t) the profile is erfc(1)
    L = diffusion_length_um(D, T)
    assert L == pytest.approx(2 * math.sqrt(D * T) * 1e4)
    mid = erfc_profile([100.0 + L], C_s=1.0, C_0=0.0, D=D, time_s=T, x0_um=100.0)
    assert mid[0] == pytest.approx(erfc(1.0), rel=1e-14)


def test_exchange_matches_naive_formula_where_it_does_not_overflow() -> None:
    k = 1e-7
    h = k / D
    u = X * 1e-4 / (2 * math.sqrt(D * T))
    naive = erfc(u) - np.exp(h * X * 1e-4 + h**2 * D * T) * erfc(u + h * math.sqrt(D * T))
    got = exchange_profile(X, C_s=1.0, C_0=0.0, D=D, k_s=k, time_s=T)
    assert np.abs(got - naive).max() < 1e-12
    # surface value is 1 - erfcx(h sqrt(D t))
    assert got[0] == pytest.approx(1 - erfcx(h * math.sqrt(D * T)), rel=1e-13)


def test_exchange_limits_without_overflow() -> None:
    fast = exchange_profile(X, C_s=0.95, C_0=0.0759, D=D, k_s=1e6, time_s=T)
    assert np.all(np.isfinite(fast))
    assert np.abs(fast - erfc_profile(X, C_s=0.95, C_0=0.0759, D=D, time_s=T)).max() < 1e-6
    slow = exchange_profile(X, C_s=0.95, C_0=0.0759, D=D, k_s=1e-14, time_s=T)
    assert np.abs(slow - 0.0759).max() < 1e-6


def test_thin_film_conserves_amount() -> None:
    x = np.linspace(0, 20000, 200001)
    c = thin_film_profile(x, M_um=5.0, C_0=0.0, D=D, time_s=T)
    assert np.trapezoid(c, x) == pytest.approx(5.0, rel=1e-6)


def test_cosine_series_solves_heat_equation() -> None:
    L, coeffs = 4000.0, [0.3, 0.2, -0.1, 0.05]
    t, dt = 1e6, 1e3
    x = np.linspace(500, 3500, 7)
    dx = 1.0  # um
    c = cosine_series(x, coeffs=coeffs, L_um=L, D=D, time_s=t)
    dcdt = (
        cosine_series(x, coeffs=coeffs, L_um=L, D=D, time_s=t + dt)
        - cosine_series(x, coeffs=coeffs, L_um=L, D=D, time_s=t - dt)
    ) / (2 * dt)
    lap = (
        cosine_series(x + dx, coeffs=coeffs, L_um=L, D=D, time_s=t)
        - 2 * c
        + cosine_series(x - dx, coeffs=coeffs, L_um=L, D=D, time_s=t)
    ) / (dx * 1e-4) ** 2
    assert np.abs(dcdt - D * lap).max() < 1e-6 * np.abs(dcdt).max() + 1e-16
    # the closed ends have zero gradient
    e = cosine_series([0.0, 1e-3, L - 1e-3, L], coeffs=coeffs, L_um=L, D=D, time_s=t)
    assert abs(e[1] - e[0]) < 1e-12 and abs(e[3] - e[2]) < 1e-12


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
def test_bad_parameters(bad: float) -> None:
    with pytest.raises(InputError):
        erfc_profile(X, C_s=1, C_0=0, D=bad, time_s=T)
    with pytest.raises(InputError):
        exchange_profile(X, C_s=1, C_0=0, D=D, k_s=bad, time_s=T)
    with pytest.raises(InputError):
        thin_film_profile(X, M_um=1.0, C_0=0, D=D, time_s=bad)
