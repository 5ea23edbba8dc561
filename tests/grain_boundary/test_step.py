"""Step analysis: the study's numbers, flags, intervals, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tracerdiff.errors import DataError, InputError, ShapeMismatchError
from tracerdiff.grain_boundary import analyze_steps, fieller_interval
from tracerdiff.grain_boundary.geometry import normal_factor


def staircase(grad_per_cm: float, jump: float, *, gb: float = 32.0, n: int = 64) -> tuple:
    x = np.arange(n) + 0.5
    c = 0.5 + grad_per_cm * 1e-4 * (x - gb) + np.where(x > gb, jump, 0.0)
    return x, c, np.full(n, 5e-4)


def test_study_numbers() -> None:
    # dC/dy = 1.1 /cm (downhill along +y: -1.1), dC_gb = -0.02, D_b = 2.6e-8 -> k = 1.43e-6
    x, c, e = staircase(-1.1, -0.02)
    (r,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, delta_nm=0.5)
    assert r.grad == pytest.approx(-1.1, rel=1e-6)
    assert r.jump == pytest.approx(-0.02, rel=1e-6)
    k = r.gradient_estimate
    assert k is not None
    assert k.k == pytest.approx(2.6e-8 * 1.1 / 0.02, rel=1e-6)
    assert k.k == pytest.approx(1.43e-6, rel=2e-3)
    d = r.to_dict()
    assert d["D_gb"]["value"] == pytest.approx(7.15e-14, rel=1e-3)
    assert d["D_gb"]["unit"] == "cm^2/s" and d["dCdy_bulk"]["unit"] == "1/cm"
    assert d["D_gb_over_delta"]["unit"] == "cm/s" and d["estimator"] == "gradient"
    json.dumps(d, allow_nan=False)


def test_d_bulk_error_widens_k_error() -> None:
    x, c, e = staircase(-1.1, -0.02)
    (a,) = analyze_steps(x, c + 0, e, [32.0], d_bulk=2.6e-8)
    (b,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, d_bulk_err=0.5e-8)
    assert b.gradient_estimate.k_err > a.gradient_estimate.k_err
    assert b.gradient_estimate.k_err >= b.gradient_estimate.k * 0.5 / 2.6 * 0.99


def test_uphill_and_zero_gradient_are_flagged() -> None:
    x, c, e = staircase(-1.1, +0.02)
    (r,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8)
    assert "uphill" in r.flags and r.gradient_estimate.k < 0
    x, c, e = staircase(0.0, -0.02)
    (r,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8)
    assert "gradient_not_measurable" in r.flags


def test_insignificant_jump_gives_lower_bound(rng: np.random.Generator) -> None:
    x, c, e = staircase(-3.0, -0.0002)
    c = c + rng.normal(0, 5e-4, c.size)
    (r,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, curvature="shared")
    assert "jump_not_significant" in r.flags
    q = r.to_dict()["D_gb_over_delta"]
    assert q["value"] is None and q["lower"] > 0
    assert r.to_dict()["ci95_D_gb_over_delta"]["kind"] == "lower"


def test_fieller_bounded_matches_first_order_when_precise() -> None:
    ci = fieller_interval(2.0, 1.0, var_a=1e-6, var_b=1e-6)
    assert ci.kind == "bounded"
    assert ci.lower == pytest.approx(2 - 1.96 * math.sqrt(5e-6), rel=1e-3)
    assert fieller_interval(1.0, 0.1, var_a=0.01, var_b=0.01).kind == "lower"
    assert fieller_interval(0.01, 0.01, var_a=1.0, var_b=1.0).kind == "unbounded"


def test_fieller_coverage(rng: np.random.Generator) -> None:
    a0, b0, sa, sb = 3e-8, 0.02, 1e-9, 0.012
    hits = 0
    for _ in range(2000):
        a, b = a0 + sa * rng.standard_normal(), b0 + sb * rng.standard_normal()
        hits += fieller_interval(a, b, var_a=sa**2, var_b=sb**2).contains(a0 / b0)
    assert 0.93 < hits / 2000 < 0.97


def test_inclined_boundary_gradient_and_guard() -> None:
    x, c, e = staircase(-1.1, -0.02)
    (r0,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8)
    assert r0.guard_um == pytest.approx(2.5)  # default: 2.5 x the 1 um resolution
    # diffusion along the GB normal (psi = phi, laminate): the profile gradient / cos(phi)
    (r,) = analyze_steps(
        x, c, e, [32.0], d_bulk=2.6e-8, angle_deg=60.0, flux_angle_deg=60.0, width_um=4.0
    )
    assert r.grad == pytest.approx(r0.grad / math.cos(math.radians(60)), rel=1e-9)
    assert r.guard_um == pytest.approx(2.5 + 2.0 * math.tan(math.radians(60)))
    assert r.gradient_estimate.k == pytest.approx(2 * r0.gradient_estimate.k, rel=1e-9)
    # the guard follows the stated resolution; an explicit guard wins
    (fine,) = analyze_steps(
        x, c, e, [32.0], d_bulk=2.6e-8, resolution_um=0.6, angle_deg=-60.0, width_um=4.0
    )
    assert fine.guard_um == pytest.approx(1.5 + 2.0 * math.tan(math.radians(60)))
    (given_,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, resolution_um=3.0, guard_um=1.0)
    assert given_.guard_um == 1.0
    with pytest.raises(InputError):
        analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, resolution_um=0.0)


def test_profile_along_diffusion_gives_cos_factor() -> None:
    # psi = 0 (default): the profile runs along the long-range diffusion direction u = x, the GB
    # normal at phi; in-grain field C = C(x) with the jump on the inclined GB: the gradient
    # along the normal is dC/dx cos(phi), the flux through unit GB area J cos(phi)
    phi, w, g_um, jump = 35.0, 6.0, -2.0e-4, -0.02
    x = np.arange(80) + 0.5
    y = np.linspace(-w / 2, w / 2, 241)
    cp, sp = math.cos(math.radians(phi)), math.sin(math.radians(phi))
    n = (x[:, None] - 40.0) * cp + y[None, :] * sp
    c = (0.5 + g_um * (x[:, None] - 40.0) + jump * (n > 0)).mean(axis=1)
    e = np.full(x.size, 1e-5)
    j = -2.6e-8 * g_um * 1e4  # the long-range flux along x, cm/s
    for sign in (1.0, -1.0):  # psi = 0: the sign of phi does not matter
        (r,) = analyze_steps(
            x,
            c,
            e,
            [40.0],
            d_bulk=2.6e-8,
            angle_deg=sign * phi,
            width_um=w,
            guard_um=1.0,
            flux=[(j, 0.01 * j)],
        )
        assert r.normal_factor == pytest.approx(cp, rel=1e-12)
        assert r.grad == pytest.approx(g_um * 1e4 * cp, rel=1e-3)
        k_true = 2.6e-8 * g_um * 1e4 * cp / jump
        assert r.gradient_estimate.k == pytest.approx(k_true, rel=2e-3)
        assert r.flux_estimate.k == pytest.approx(k_true, rel=2e-3)
        d = r.to_dict()
        assert d["flux_angle_deg"] == 0.0 and d["normal_factor"] == pytest.approx(cp)
        assert "cos(phi)" in d["geometry"] and "along the profile" in d["geometry"]
        json.dumps(d, allow_nan=False)


def test_flux_nearly_parallel_to_gb_not_analysable() -> None:
    x, c, e = staircase(-1.1, -0.02)
    (r,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, angle_deg=50.0, flux_angle_deg=-40.0)
    assert not r.analysable and "parallel" in r.reason and r.flux_angle_deg == -40.0
    with pytest.raises(InputError, match="flux"):
        analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, flux_angle_deg=85.0)
    with pytest.raises(ShapeMismatchError):
        analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, flux_angle_deg=[0.0, 10.0])


@settings(max_examples=30, deadline=None)
@given(
    g=st.floats(-5.0, 5.0).filter(lambda v: abs(v) > 0.05),
    jump=st.floats(-0.05, 0.05).filter(lambda v: abs(v) > 1e-3),
)
def test_no_inclination_is_the_plain_formula(g: float, jump: float) -> None:
    x, c, e = staircase(g, jump)
    (r,) = analyze_steps(
        x,
        c,
        e,
        [32.0],
        d_bulk=2.6e-8,
        angle_deg=0.0,
        flux_angle_deg=0.0,
        flux=[(-2.6e-8 * g, 1e-12)],
    )
    assert r.normal_factor == 1.0
    assert r.gradient_estimate.k == pytest.approx(2.6e-8 * g / jump, rel=1e-6)
    assert r.flux_estimate.k == pytest.approx(2.6e-8 * g / jump, rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(phi=st.floats(-80.0, 80.0), psi=st.floats(-80.0, 80.0))
def test_factor_symmetric_under_mirroring(phi: float, psi: float) -> None:
    assume(abs(phi - psi) < 84.0)
    assert normal_factor(phi, psi) == pytest.approx(normal_factor(-phi, -psi), rel=1e-12)
    assert normal_factor(phi, 0.0) == pytest.approx(math.cos(math.radians(phi)), rel=1e-12)
    assert normal_factor(phi, phi) == pytest.approx(1 / math.cos(math.radians(phi)), rel=1e-12)
    x, c, e = staircase(-1.1, -0.02)
    a, b = (
        analyze_steps(
            x,
            c,
            e,
            [32.0],
            d_bulk=2.6e-8,
            angle_deg=s * phi,
            flux_angle_deg=s * psi,
            flux=[(3e-8, 3e-9)],
        )[0]
        for s in (1, -1)
    )
    assert a.gradient_estimate.k == pytest.approx(b.gradient_estimate.k, rel=1e-9)
    assert a.flux_estimate.k == pytest.approx(b.flux_estimate.k, rel=1e-9)


def test_short_grain_falls_back_or_is_not_analysable() -> None:
    x, c, e = staircase(-1.1, -0.02)
    res = analyze_steps(x, c, e, [32.0, 38.0], d_bulk=2.6e-8, guard_um=1.0)
    assert res[0].order_right == 2 and res[0].analysable  # 33.5..36.5: 4 points
    res = analyze_steps(x, c, e, [32.0, 37.0], d_bulk=2.6e-8, guard_um=1.0)
    assert res[0].order_right == 1 and "order_reduced_right" in res[0].flags
    res = analyze_steps(x, c, e, [32.0, 36.0], d_bulk=2.6e-8, guard_um=1.0)
    assert not res[0].analysable and "needs >= 3" in res[0].reason
    assert res[0].to_dict()["D_gb_over_delta"]["value"] is None


def test_results_in_given_order() -> None:
    x, c, e = staircase(-1.1, -0.02)
    res = analyze_steps(x, c, e, [50.0, 32.0, 12.0], d_bulk=2.6e-8)
    assert [r.position_um for r in res] == [50.0, 32.0, 12.0]


def test_close_boundaries_are_not_analysable_the_others_are() -> None:
    x, c, e = staircase(-1.1, -0.02)
    res = analyze_steps(x, c, e, [30.0, 32.0, 50.0], d_bulk=2.6e-8)
    assert [r.analysable for r in res] == [False, False, True]
    assert "twice the guard band" in res[0].reason and "30" in res[1].reason


@pytest.mark.parametrize(
    ("gbs", "kw", "err"),
    [
        ([70.0], {}, InputError),
        ([32.0], {"window_um": 3.0}, InputError),
        ([32.0], {"d_bulk": -1.0}, InputError),
        ([32.0], {"delta_nm": 0.0}, InputError),
        ([32.0], {"order": 3}, InputError),
    ],
)
def test_bad_input(gbs: list[float], kw: dict, err: type) -> None:
    x, c, e = staircase(-1.1, -0.02)
    opts = {"d_bulk": 2.6e-8, **kw}
    with pytest.raises(err):
        analyze_steps(x, c, e, gbs, **opts)


def test_nan_segments_rejected() -> None:
    x, c, e = staircase(-1.1, -0.02)
    with pytest.raises(DataError):
        analyze_steps(x, np.full_like(c, np.nan), e, [32.0], d_bulk=2.6e-8)
    c2 = c.copy()
    c2[33:] = np.nan
    with pytest.raises(DataError):
        analyze_steps(x, c2, e, [32.0], d_bulk=2.6e-8)


@given(
    a=st.floats(-1e3, 1e3),
    b=st.floats(-1e3, 1e3),
    va=st.floats(1e-6, 1e4),
    vb=st.floats(1e-6, 1e4),
    rho=st.floats(-0.9, 0.9),
)
def test_fieller_bounded_set_holds_the_estimate(
    a: float, b: float, va: float, vb: float, rho: float
) -> None:
    ci = fieller_interval(a, b, var_a=va, var_b=vb, cov_ab=rho * math.sqrt(va * vb))
    if ci.kind == "bounded":
        assert ci.lower <= a / b <= ci.upper
    if ci.kind == "lower":
        assert ci.lower > 0


def test_flux_estimator_and_angle() -> None:
    x, c, e = staircase(-1.1, -0.02)
    j = 2.6e-8 * 1.1  # flux along +x matching the gradient
    (r,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, flux=[(j, 0.1 * j)])
    f = r.flux_estimate
    assert f is not None and f.estimator == "flux"
    assert f.k == pytest.approx(r.gradient_estimate.k, rel=1e-6)
    first = math.hypot(0.1, r.jump_err / 0.02)
    assert f.k_err_first_order / f.k == pytest.approx(first, rel=1e-3)
    # the reported error is the larger Fieller half-width / 1.96: here barely above first order
    half = max(f.ci95.upper - f.k, f.k - f.ci95.lower) / 1.959964
    assert f.k_err == pytest.approx(half, rel=1e-6) and first <= f.relative_error < 1.05 * first
    (r60,) = analyze_steps(
        x,
        c,
        e,
        [32.0],
        d_bulk=2.6e-8,
        flux=lambda pos: (j, 0.1 * j),
        angle_deg=60.0,
        flux_angle_deg=60.0,
    )  # flux along the GB normal
    assert r60.flux_estimate.k == pytest.approx(2 * f.k, rel=1e-9)
    (p60,) = analyze_steps(
        x, c, e, [32.0], d_bulk=2.6e-8, flux=lambda pos: (j, 0.1 * j), angle_deg=60.0
    )  # default: flux along the profile, J cos(phi)
    assert p60.flux_estimate.k == pytest.approx(0.5 * f.k, rel=1e-9)
    assert r.preferred is r.gradient_estimate  # the gradient is measurable here
    assert "uphill_flux" not in r.flags
    (up,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, flux=[(-j, 0.1 * j)])
    assert "uphill_flux" in up.flags and up.flux_estimate.k < 0


def test_inclined_boundary_recovers_normal_gradient_from_2d_field() -> None:
    # a laminate field C(n), n = x cos(phi) + y sin(phi) (um): diffusion along the GB normal
    # (flux_angle = phi); the profile along x averages y over the width w, smearing the step
    # over |x| < w/2 tan(phi).  The mirrored field (phi -> -phi) needs psi = -phi.
    phi, w, g_um, jump = math.radians(35.0), 6.0, -2.0e-4, -0.02
    x = np.arange(80) + 0.5
    y = np.linspace(-w / 2, w / 2, 241)
    n = (x[:, None] - 40.0) * math.cos(phi) + y[None, :] * math.sin(phi)
    c = (0.5 + g_um * n + jump * (n > 0)).mean(axis=1)
    e = np.full(x.size, 1e-5)
    (r,) = analyze_steps(
        x,
        c,
        e,
        [40.0],
        d_bulk=2.6e-8,
        angle_deg=35.0,
        width_um=w,
        guard_um=1.0,
        flux_angle_deg=35.0,
    )  # diffusion along the GB normal
    assert "GB normal" in r.geometry
    assert r.grad == pytest.approx(g_um * 1e4, rel=1e-3)  # along the normal, 1/cm
    assert r.jump == pytest.approx(jump, rel=1e-3)
    assert r.gradient_estimate.k == pytest.approx(2.6e-8 * g_um * 1e4 / jump, rel=2e-3)
    assert r.chi2_red < 1e-3
    # without the width, the smeared step leaks into the fits: a poor fit, a biased jump
    (bad,) = analyze_steps(
        x, c, e, [40.0], d_bulk=2.6e-8, angle_deg=35.0, guard_um=1.0, flux_angle_deg=35.0
    )
    assert bad.chi2_red > 100 and "errors_rescaled" in bad.flags
    assert abs(bad.jump / jump - 1) > 0.02
    nm = (x[:, None] - 40.0) * math.cos(phi) - y[None, :] * math.sin(phi)
    cm = (0.5 + g_um * nm + jump * (nm > 0)).mean(axis=1)
    (m,) = analyze_steps(
        x,
        cm,
        e,
        [40.0],
        d_bulk=2.6e-8,
        angle_deg=-35.0,
        width_um=w,
        guard_um=1.0,
        flux_angle_deg=-35.0,
    )
    assert m.grad == pytest.approx(g_um * 1e4, rel=1e-3)
    (wrong,) = analyze_steps(
        x,
        cm,
        e,
        [40.0],
        d_bulk=2.6e-8,
        angle_deg=-35.0,
        width_um=w,
        guard_um=1.0,
        flux_angle_deg=35.0,
    )  # the sign matters when psi != 0
    assert wrong.grad == pytest.approx(g_um * 1e4 * math.cos(math.radians(70)), rel=1e-3)


def test_curvature_mismatch_flagged_and_separate_fit_unbiased() -> None:
    x = np.arange(64) + 0.5
    u = x - 32.0
    # same slope at the GB (flux continuity), very different curvatures on the two sides
    c = 0.5 - 1.1e-4 * u + np.where(u > 0, -0.02 + 4e-6 * u**2, -4e-6 * u**2)
    e = np.full(x.size, 1e-5)
    (shared,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8)
    assert shared.gradient_method == "joint_shared_curvature"
    assert "curvature_mismatch" in shared.flags and not shared.well_measured
    assert shared.curvature_delta_chi2 > 100
    for mode in ("separate", "auto"):
        (sep,) = analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, curvature=mode)
        assert sep.gradient_method == "joint"
        assert sep.grad == pytest.approx(-1.1, rel=1e-6)
        assert sep.jump == pytest.approx(-0.02, rel=1e-6)
        assert "curvature_mismatch" in sep.flags  # the statistic is reported in every mode
    with pytest.raises(InputError):
        analyze_steps(x, c, e, [32.0], d_bulk=2.6e-8, curvature="sometimes")
