"""Closed loop at realistic map noise: 2D strip -> SIMS images -> fraction map -> 20 px profiles
-> per-GB k (gradient and flux estimators), judged by the honesty criteria of the
grain-boundary issue.

The strip is simulated with the 2D finite-volume solver (study parameters, per-GB lognormal k,
per-grain yields), imaged twice (50 h and 59 h of exchange) with Poisson counts of ~300 Li ions
per pixel at yield 1 (sigma_C ~0.03 per pixel at C = 0.5), a 0.7 px point spread and ToF
dead-time saturation (16 shots x 150 scans), written as IONTOF ASCII files and read back through
``tracerdiff.io`` and ``tracerdiff.imaging`` (dead time corrected there).  Grains are straight
stripes of lognormal width (16 +- 11 um) crossing the whole strip, so that every GB crosses the
full 20 px width of a profile: in a Laguerre map of 16 um grains almost no GB does (triple
junctions inside the band), which is why the study picked its boundaries by hand.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from tracerdiff.grain_boundary import analyze_profiles, flux_from_two_profiles
from tracerdiff.history import Stage
from tracerdiff.imaging import fraction_map, line_profile
from tracerdiff.io import write_iontof_image
from tracerdiff.io.dispatch import open_images
from tracerdiff.simulate import (
    Polycrystal,
    evolve_polycrystal,
    llto_material,
    lognormal_params,
    polycrystal_from_labels,
    simulate_sims_image,
)

T22, H = 295.15, 3600.0
C0, CS = 0.0759, 0.95
MAT = llto_material()
NY, NX, WIDTH, GUARD = 40, 600, 20.0, 1.5
SHOTS, SCANS = 16, 150


def _strip(seed: int, angle_deg: float) -> tuple[Polycrystal, np.ndarray]:
    """Straight GBs at ``angle_deg`` (GB normal vs x) crossing the strip; per-GB k factors
    lognormal(0, 0.4), yields lognormal(0, 0.3).  Returns the strip and the GB positions
    along u = x + (y - NY/2) tan(angle) (um)."""
    rng = np.random.default_rng(seed)
    mu, s = lognormal_params(16.0, 11.0)
    edges = np.cumsum(np.maximum(2.0, rng.lognormal(mu, s, 200)))
    tan = math.tan(math.radians(angle_deg))
    yy, xx = np.mgrid[0:NY, 0:NX] + 0.5
    u = xx + (yy - NY / 2) * tan
    edges = edges[edges < u.max()]
    labels = np.searchsorted(edges, u)
    poly = polycrystal_from_labels(labels, pixel_size_um=1.0)
    # grains are numbered along u, so pair (i, i+1) is the GB at edges[i]
    i = np.arange(edges.size)
    assert np.array_equal(poly.pairs, np.column_stack([i, i + 1]))
    poly = dataclasses.replace(
        poly,
        k_factor=np.exp(rng.normal(0.0, 0.4, poly.pairs.shape[0])),
        yield_factor=np.exp(rng.normal(0.0, 0.3, poly.n_grains)),
    )
    return poly, edges


def _maps(poly: Polycrystal, seed: int, tmp: Path, counts: float) -> tuple[list, float]:
    """Fraction maps (tracerdiff.imaging) of two simulated acquisitions, and their time apart;
    ``counts`` Li ions per pixel at yield 1 (above 1000: Poisson, no dead time)."""
    t1, t2 = 50 * H, 59 * H
    ev = evolve_polycrystal(
        poly,
        MAT,
        [Stage(T22, t1, "source"), Stage(T22, t2 - t1, "source")],
        c_initial=C0,
        c_source=CS,
        gb_faces="corrected",
        rtol=1e-5,
    )
    rng = np.random.default_rng(1000 + seed)
    shots, scans = (SHOTS, SCANS) if counts <= 1000 else (None, None)
    maps = []
    for i, fld in enumerate(ev.fields):
        img = simulate_sims_image(
            fld,
            cell_um=1.0,
            yield_map=poly.yield_factor[poly.labels],
            field_um=(NX, NY),
            pixels=(NX, NY),
            mean_counts=counts,
            shots_per_pixel=shots,
            scans=scans,
            psf_sigma_px=0.7,
            rng=rng,
        )
        paths = []
        for sp in ("6Li", "7Li"):
            p = tmp / f"s{seed}_map{i}_{sp}.txt"
            write_iontof_image(
                p,
                img.counts[sp],
                species=sp,
                field_of_view_um=(NX, NY),
                shots_per_pixel=shots,
                scans=scans,
            )
            paths.append(p)
        maps.append(fraction_map(open_images(paths)))
    return maps, t2 - t1


def _closed_loop(
    seed: int, angle_deg: float, tmp: Path, *, counts: float = 300.0, guard_um: float = GUARD
) -> list[tuple]:
    """(StepResult, true k) for every GB at 15-350 um of two profiles 20 px wide."""
    poly, edges = _strip(seed, angle_deg)
    folder = tmp / f"seed{seed}_angle{angle_deg:g}_counts{counts:g}_guard{guard_um:g}"
    folder.mkdir()
    maps, dt = _maps(poly, seed, folder, counts)
    tan = math.tan(math.radians(angle_deg))
    guard = guard_um + 0.5 * WIDTH * abs(tan)
    profiles, gbs, stops, fluxes, truths = [], [], [], [], []
    for y0 in (10.0, 30.0):
        p1, p2 = (
            line_profile(m, start_um=(0.5, y0), end_um=(NX - 0.5, y0), width_um=WIDTH) for m in maps
        )
        x = p1["x_um"].values
        fluxes.append(
            flux_from_two_profiles(
                x, p1["C"].values, p1["C_err"].values, p2["C"].values, p2["C_err"].values, dt_s=dt
            )
        )
        profiles.append(
            (
                x,
                0.5 * (p1["C"].values + p2["C"].values),
                0.5 * np.hypot(p1["C_err"].values, p2["C_err"].values),
            )
        )
        xg = edges - (y0 - NY / 2) * tan - 0.5  # GB positions on the profile coordinate
        gap = np.diff(xg)
        room = np.concatenate([[np.inf], gap]) > 2 * guard + 1
        room &= np.concatenate([gap, [np.inf]]) > 2 * guard + 1
        use = (xg > 15.0) & (xg < 350.0) & room
        gbs.append(xg[use].tolist())
        stops.append([(float(v), guard) for v in xg[~use] if 0.0 < v < NX - 1.0])
        truths.append(MAT.k_gb(T22) * poly.k_factor[use])
    res = analyze_profiles(
        profiles,
        gbs,
        d_bulk=MAT.d_bulk(T22),
        flux=fluxes,
        width_um=WIDTH,
        angle_deg=[angle_deg] * 2,
        window_stops=stops,
        guard_um=guard_um,
    )
    return [
        (r, float(k))
        for row, tr in zip(res, truths, strict=True)
        for r, k in zip(row, tr, strict=True)
    ]


def _weighted_log_bias(rows: list[tuple]) -> float:
    """Inverse-variance weighted mean of ln(k_flux / k_true) over bounded flux estimates."""
    est = [
        (r.flux_estimate.k, r.flux_estimate.k_err, k)
        for r, k in rows
        if r.flux_estimate is not None and r.flux_estimate.bounded and r.flux_estimate.k > 0
    ]
    k, e, kt = np.array(est).T
    w = (k / e) ** 2
    return float(np.sum(w * np.log(k / kt)) / np.sum(w))


def test_map_noise_per_gb_k_is_honest(tmp_path: Path) -> None:
    rows = [row for seed in range(3) for row in _closed_loop(seed, 0.0, tmp_path)]
    assert len(rows) >= 100
    assert all(r.analysable for r, _ in rows)
    # the noise really is the study's: ~0.03 per pixel and map at C ~ 0.5 (the analysed
    # profile is the mean of two maps, each bin 20 px wide)
    mid = [
        np.median(r.data["C_err"]) * math.sqrt(2 * WIDTH)
        for r, _ in rows
        if 0.35 < np.mean(r.data["C"]) < 0.65
    ]
    assert 0.025 < np.median(mid) < 0.045
    # the gradient is not measurable per GB at map noise, and the tool says so
    flagged = [r for r, _ in rows if "gradient_not_measurable" in r.flags]
    assert len(flagged) / len(rows) >= 0.75
    assert all(r.preferred is r.flux_estimate for r in flagged)
    assert all(r.gradient_estimate.relative_error > 0.2 for r, _ in rows)
    assert np.median([r.grad_err for r, _ in rows]) > 1.1  # error above the study's 1.1 /cm
    # honest 95 % sets: the gradient ones (wide) and the flux ones (informative)
    assert np.mean([r.gradient_estimate.ci95.contains(k) for r, k in rows]) >= 0.90
    assert np.mean([r.flux_estimate.ci95.contains(k) for r, k in rows]) >= 0.90
    # nothing reported as well measured whose truth is outside 3 errors
    good = [(r.preferred, k) for r, k in rows if r.well_measured]
    assert len(good) >= 10
    assert all(abs(e.k - k) <= 3 * e.k_err for e, k in good)
    # and the flux estimator is unbiased on average
    assert abs(_weighted_log_bias(rows)) < 0.1


def test_well_averaged_map_needs_a_guard_of_3_5_psf_sigmas(tmp_path: Path) -> None:
    """Honest at every noise level: at ~6e6 counts per 20 px bin (sigma_C ~2e-4) the gradient is
    measured and both estimators are honest, provided the guard band keeps the point spread's
    tails out of the fits: 2.5 um (3.7 sigma of the 0.7 px PSF).  With the former default 1.5 um
    (2.2 sigma) the tails bias the gradient (median +11 %) and the coverage falls to 76 %
    (gradient) and 83 % (flux) (observed on seeds 0-1)."""
    rows = [
        row
        for seed in range(4)
        for row in _closed_loop(seed, 0.0, tmp_path, counts=3e5, guard_um=2.5)
        if row[0].analysable
    ]  # the wider guard leaves a few short grains too few points
    assert len(rows) >= 100
    assert np.mean(["gradient_not_measurable" in r.flags for r, _ in rows]) < 0.1
    for name in ("gradient_estimate", "flux_estimate"):
        est = [getattr(r, name) for r, _ in rows]
        truth = [k for _, k in rows]
        assert np.mean([e.ci95.contains(k) for e, k in zip(est, truth, strict=True)]) >= 0.90
    good = [(r.preferred, k) for r, k in rows if r.well_measured]
    assert len(good) >= len(rows) / 2
    assert all(abs(e.k - k) <= 3 * e.k_err for e, k in good)
    assert abs(_weighted_log_bias(rows)) < 0.02
    narrow = [row for seed in range(2) for row in _closed_loop(seed, 0.0, tmp_path, counts=3e5)]
    assert np.mean([r.gradient_estimate.ci95.contains(k) for r, k in narrow]) < 0.9


def test_inclined_gbs_both_estimators_are_unbiased(tmp_path: Path) -> None:
    """Straight GBs at 20 deg spanning the strip, well-averaged maps, guard 2.5 um; the profiles
    run along the diffusion direction (flux_angle_deg = 0, the default), so the GB-normal
    gradient and flux are the profile ones x cos(phi).  With the former / cos(phi) (a laminate
    field C(n)) both estimators gave k x 1/cos^2 (median 1.15 and 1.13, flux coverage 6 %)."""
    rows = [
        row
        for seed in range(6)
        for row in _closed_loop(seed, 20.0, tmp_path, counts=3e5, guard_um=2.5)
        if row[0].analysable
    ]
    assert len(rows) >= 30
    for name in ("gradient_estimate", "flux_estimate"):
        ratio = [getattr(r, name).k / k for r, k in rows]
        assert np.median(ratio) == pytest.approx(1.0, abs=0.05), name
        assert np.mean([getattr(r, name).ci95.contains(k) for r, k in rows]) >= 0.90, name
