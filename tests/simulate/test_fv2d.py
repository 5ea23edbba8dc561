"""The 2D finite-volume solver against analytic solutions, the exact 1D solver and itself."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erfc

from tracerdiff.errors import InputError
from tracerdiff.history import Stage
from tracerdiff.simulate import (
    MaterialLaw,
    chain_d_eff,
    diffusion_operator,
    evolve_polycrystal,
    face_conductances_2d,
    grid_geometry,
    homogenised_d_eff,
    integrate_stage,
    make_laminate,
    make_polycrystal,
)
from tracerdiff.simulate.microstructure import GrainChain
from tracerdiff.solvers.fv1d import evolve_fv1d

D_B, K = 2.6e-8, 1.5e-6


def _uniform(nx: int, h_um: float, ny: int = 2):
    poly = make_laminate((ny, nx), [nx], pixel_size_um=h_um)
    h = h_um * 1e-4
    gx, gy = face_conductances_2d(grid_geometry(poly.labels), np.ones(0), h_cm=h, d_bulk=D_B)
    return diffusion_operator(gx, gy, h_cm=h, boundary={"left": (2 * D_B / h, 1.0)})


def _erfc_error(nx: int, h_um: float, t: float, **kw) -> float:
    a, b = _uniform(nx, h_um)
    c, *_ = integrate_stage(a, b, np.zeros(a.shape[0]), duration_s=t, **kw)
    x = (np.arange(nx) + 0.5) * h_um * 1e-4
    return float(np.max(np.abs(c.reshape(2, nx)[0] - erfc(x / (2 * math.sqrt(D_B * t))))))


def test_no_gb_matches_erfc_and_converges_with_the_grid() -> None:
    t = 3600.0  # sqrt(D t) = 97 um, domain 800 um
    errs = [_erfc_error(int(800 / h), h, t, rtol=1e-6) for h in (8.0, 4.0, 2.0)]
    assert errs[-1] < 2e-3
    assert errs[0] / errs[1] > 3.0 and errs[1] / errs[2] > 3.0  # second order in h


def test_default_tolerance_is_met_in_c() -> None:
    a, b = _uniform(400, 2.0)
    c0 = np.zeros(a.shape[0])
    ref, *_ = integrate_stage(a, b, c0, duration_s=3600.0, rtol=1e-8)
    c, _, nf, est = integrate_stage(a, b, c0, duration_s=3600.0)  # default rtol 1e-4
    assert est is not None and est <= 1e-4
    assert np.max(np.abs(c - ref)) < 1e-4
    assert nf <= 6  # factorisations: one per step size tried


def test_trbdf2_is_second_order_and_backward_euler_first_order() -> None:
    a, b = _uniform(200, 4.0)
    c0 = np.zeros(a.shape[0])
    ref, *_ = integrate_stage(a, b, c0, duration_s=3600.0, steps=4096)
    for scheme, ratio in (("trbdf2", 4.0), ("be", 2.0)):
        e = [
            np.max(
                np.abs(
                    integrate_stage(a, b, c0, duration_s=3600.0, steps=n, scheme=scheme)[0] - ref
                )
            )
            for n in (16, 32, 64)
        ]
        assert e[0] / e[1] == pytest.approx(ratio, rel=0.25)
        assert e[1] / e[2] == pytest.approx(ratio, rel=0.25)


def test_laminate_steady_state_is_the_exact_series_model() -> None:
    lam = make_laminate((4, 300), [10] * 30, k_sigma_ln=0.4, rng=1)
    d_eff = homogenised_d_eff(lam, d_bulk=D_B, k_median=K)
    length = 300e-4
    exact = length / (length / D_B + np.sum(1.0 / (K * lam.k_factor)))
    assert d_eff == pytest.approx(exact, rel=1e-9)
    # a chain with the same GBs gives the same number
    ch = GrainChain(n_cells=300, cell_um=1.0, gb_faces=np.arange(9, 299, 10), k_factor=lam.k_factor)
    assert chain_d_eff(ch, d_bulk=D_B, k_median=K) == pytest.approx(d_eff, rel=1e-9)


def test_laminate_transient_matches_the_exact_1d_solver() -> None:
    nx = 400
    lam = make_laminate((3, nx), [8] * 50, k_sigma_ln=0.4, rng=2)
    mat = MaterialLaw(d0_bulk=D_B, ea_bulk_eV=0.0, k0=K, ea_k_eV=0.0)
    hist = [Stage(295.15, 20 * 3600.0, "source"), Stage(295.15, 40 * 3600.0)]
    ev = evolve_polycrystal(lam, mat, hist, c_initial=0.0759, c_source=0.95, rtol=1e-6)
    kf = np.full(nx - 1, np.inf)
    kf[np.arange(7, nx - 1, 8)] = K * lam.k_factor
    c = np.full(nx, 0.0759)
    c = evolve_fv1d(
        c,
        h_cm=1e-4,
        d_cells=D_B,
        time_s=hist[0].duration_s,
        gb_conductance=kf,
        left="source",
        c_left=0.95,
        rtol=1e-10,
    )
    assert np.max(np.abs(ev.fields[0] - c[None, :])) < 5e-6
    c = evolve_fv1d(
        c, h_cm=1e-4, d_cells=D_B, time_s=hist[1].duration_s, gb_conductance=kf, rtol=1e-10
    )
    assert np.max(np.abs(ev.fields[1] - c[None, :])) < 5e-6
    assert np.max(np.abs(np.diff(ev.fields[0][:, 7:9], axis=1))) > 0.01  # real GB jumps


def test_closed_stage_conserves_tracer_and_ramps_are_split() -> None:
    poly = make_polycrystal((20, 60), mean_um=8, sd_um=4, rng=4)
    mat = MaterialLaw(d0_bulk=1e-3, ea_bulk_eV=0.3, k0=1e-1, ea_k_eV=0.4)
    c0 = np.zeros((20, 60))
    c0[:, :10] = 1.0
    hist = [Stage(400.0, 600.0, "closed", end_temperature_K=430.0)]
    ev = evolve_polycrystal(poly, mat, hist, c_initial=c0, c_source=1.0, ramp_step_K=10.0)
    assert len(ev.reports) == 3
    assert ev.fields[0].sum() == pytest.approx(c0.sum(), rel=1e-10)
    assert ev.fields[0][:, 30:].max() > 0.0


def test_staircase_factor_and_correction() -> None:
    lab = np.add.outer(np.arange(40), np.arange(40)) // 10  # 45 degree stripes
    geo = grid_geometry(lab)
    assert np.allclose(geo.staircase, math.sqrt(2.0))
    lam = grid_geometry(make_laminate((5, 20), [10, 10]).labels)
    assert np.allclose(lam.staircase, 1.0)
    k = np.full(geo.staircase.size, K)
    gx_p, _ = face_conductances_2d(geo, k, h_cm=1e-4, d_bulk=D_B)
    gx_c, _ = face_conductances_2d(geo, k, h_cm=1e-4, d_bulk=D_B, gb_faces="corrected")
    m = geo.x_pair >= 0
    assert np.allclose(1 / gx_c[m] - 1 / gx_p[m], (math.sqrt(2) - 1) / K)
    with pytest.raises(InputError):
        face_conductances_2d(geo, k, h_cm=1e-4, d_bulk=D_B, gb_faces="diagonal")


def test_polycrystal_d_eff_lies_between_bounds() -> None:
    poly = make_polycrystal((60, 240), mean_um=16, sd_um=11, k_sigma_ln=0.4, rng=6)
    d = homogenised_d_eff(poly, d_bulk=D_B, k_median=K, gb_faces="corrected")
    d_pix = homogenised_d_eff(poly, d_bulk=D_B, k_median=K)
    assert d < d_pix < D_B  # the staircase conducts more than the real GB
    assert 1.0 < d_pix / d < 4 / math.pi + 0.1
    assert d > 1.0 / (1.0 / D_B + 1.0 / (2e-4 * K))  # far above a 2 um grain series value


def test_integrate_stage_rejects_bad_options() -> None:
    a, b = _uniform(10, 1.0)
    with pytest.raises(InputError):
        integrate_stage(a, b, np.zeros(a.shape[0]), duration_s=1.0, scheme="rk4")
    with pytest.raises(InputError):
        integrate_stage(a, b, np.zeros(a.shape[0]), duration_s=-1.0)
    with pytest.raises(InputError):
        integrate_stage(a, b, np.zeros(a.shape[0]), duration_s=1.0, steps=0)


def test_fast_gb_phase_parallel_laminate_is_the_arithmetic_mean() -> None:
    # grains as horizontal stripes 10 cells tall: GB-phase rows run along x (parallel model)
    lab = np.repeat(np.arange(6), 10)[:, None] * np.ones((1, 50), dtype=int)
    from tracerdiff.simulate import gb_phase_mask, polycrystal_from_labels

    poly = polycrystal_from_labels(lab, pixel_size_um=1.0)
    mask = gb_phase_mask(lab)
    assert mask.sum(axis=0)[0] == 10  # 5 GBs, two cells each
    d_gb = 100 * D_B
    d = homogenised_d_eff(poly, d_bulk=D_B, k_median=K, d_gb_phase=d_gb)
    frac = mask.mean()
    assert d == pytest.approx(frac * d_gb + (1 - frac) * D_B, rel=1e-9)


def test_fast_gb_phase_speeds_penetration_and_reduces_to_bulk() -> None:
    poly = make_polycrystal((30, 80), mean_um=10, sd_um=5, rng=8)
    hist = [Stage(295.15, 60.0, "source")]  # bulk diffusion length 12 um, domain 80 um
    base = dict(d0_bulk=D_B, ea_bulk_eV=0.0, k0=K, ea_k_eV=0.0)
    same = MaterialLaw(**base, d0_gb_phase=D_B)
    fast = MaterialLaw(**base, d0_gb_phase=1000 * D_B)
    ev_same = evolve_polycrystal(poly, same, hist, c_initial=0.0, c_source=1.0)
    lam = make_laminate((30, 80), [80])
    ev_bulk = evolve_polycrystal(lam, same, hist, c_initial=0.0, c_source=1.0)
    assert np.max(np.abs(ev_same.fields[0] - ev_bulk.fields[0])) < 2e-4
    ev_fast = evolve_polycrystal(poly, fast, hist, c_initial=0.0, c_source=1.0)
    assert ev_fast.fields[0][:, 40:].mean() > 10 * ev_same.fields[0][:, 40:].mean()
