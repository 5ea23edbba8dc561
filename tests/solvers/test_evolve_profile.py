"""Thermal histories applied to profiles: transform path equals the finite-volume path."""

from __future__ import annotations

import numpy as np
import pytest

from tracerdiff.errors import InputError
from tracerdiff.history import Stage, ThermalHistory, evolve_profile
from tracerdiff.solvers.exact import evolve_exact

N, H = 200, 2e-3  # 4 mm
HIST = ThermalHistory(
    [
        Stage(295.15, 110 * 3600.0, "source"),
        Stage(295.15, 14 * 86400.0),
        Stage(295.15, 28 * 86400.0),
    ]
)


def test_uniform_history_uses_merged_segments() -> None:
    c0 = np.full(N, 0.0759)
    got = evolve_profile(c0, h_cm=H, history=HIST, D=lambda T: 3e-9, c_source=0.95)
    a = evolve_exact(c0, h_cm=H, D_t_cm2=3e-9 * 110 * 3600, left="source", c_left=0.95)
    ref = evolve_exact(a, h_cm=H, D_t_cm2=3e-9 * 42 * 86400)
    assert np.abs(got - ref).max() < 1e-13


def test_fv_path_agrees_with_transform_including_ramp() -> None:
    hist = ThermalHistory(
        [
            Stage(295.15, 63 * 3600.0, "source"),
            Stage(295.15, 600.0, end_temperature_K=473.15),
            Stage(473.15, 3.8 * 3600.0),
        ]
    )
    c0 = np.full(N, 0.0759)
    arr = (0.048, 0.43)
    fast = evolve_profile(c0, h_cm=H, history=hist, D=arr, c_source=0.95)
    d0, ea = arr

    def cells(T: float) -> np.ndarray:
        return np.full(N, d0 * np.exp(-ea / (8.617333262e-5 * T)))

    slow = evolve_profile(c0, h_cm=H, history=hist, D=cells, c_source=0.95, max_step_K=0.5)
    # ramps cut at mid temperatures: second order in the piece width, down to rtol (1e-8)
    assert np.abs(fast - slow).max() < 3e-8
    coarse = [
        np.abs(
            fast - evolve_profile(c0, h_cm=H, history=hist, D=cells, c_source=0.95, max_step_K=s)
        ).max()
        for s in (8.0, 4.0)
    ]
    assert 3.5 < coarse[0] / coarse[1] < 4.5
    # interfaces with k -> infinity reproduce the uniform answer
    inf_k = evolve_profile(
        c0,
        h_cm=H,
        history=hist,
        D=arr,
        c_source=0.95,
        gb_conductance=np.full(N - 1, np.inf),
        max_step_K=0.5,
    )
    assert np.abs(inf_k - slow).max() < 1e-7


def test_source_stage_needs_value() -> None:
    with pytest.raises(InputError, match="c_source"):
        evolve_profile(np.zeros(N), h_cm=H, history=HIST, D=(0.048, 0.43))


def test_ramp_pieces_second_order_with_non_commuting_operators() -> None:
    """D in the grains and k at the interfaces with different activation energies."""
    n = 60
    hist = ThermalHistory([Stage(295.15, 600.0, end_temperature_K=473.15)])
    c0 = np.where(np.arange(n) < 15, 0.95, 0.0759)
    mask = np.arange(n - 1) % 6 == 5

    def k_of_t(T: float) -> np.ndarray:
        return np.where(mask, 3e3 * np.exp(-0.9 / (8.617333262e-5 * T)), np.inf)

    def run(step: float) -> np.ndarray:
        return evolve_profile(
            c0, h_cm=2e-4, history=hist, D=(0.048, 0.43), gb_conductance=k_of_t, max_step_K=step
        )

    u16, u8, u4 = run(16.0), run(8.0), run(4.0)
    order = np.log2(np.abs(u16 - u8).max() / np.abs(u8 - u4).max())
    assert abs(order - 2.0) < 0.3, order
