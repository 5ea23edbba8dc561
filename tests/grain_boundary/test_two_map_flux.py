"""The two-map flux estimator (``two_map_flux``) in closed loop with the study's 500 um field.

A 2D strip (straight GBs across it, lognormal widths 16 +- 11 um, per-GB lognormal k, 1 um
cells, 1000 um long so the field's far end is open) is exchanged 59 h from its left edge and then
stored 16 d without supply (history A of the study); both states are imaged over the first
500 um (Poisson counts, 0.7 px point spread), profiles 20 px wide are taken from both maps, J
comes from the change between them and k = -J / dC_gb per GB.  Integrating from the sample
edge, closed during the storage (``closed_end="left"``), is exact: the 95 % sets must hold the
true k for >= 90 % of the GBs.  The former assumption (far end closed) is wrong here, and every
boundary analysed with it is flagged.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from tracerdiff.cli.app import main
from tracerdiff.grain_boundary import analyze_profiles
from tracerdiff.grain_boundary.flux import two_map_flux
from tracerdiff.history import Stage
from tracerdiff.imaging import line_profile
from tracerdiff.simulate import (
    evolve_polycrystal,
    llto_material,
    lognormal_params,
    polycrystal_from_labels,
    simulate_sims_image,
)

T22, H, DAY = 295.15, 3600.0, 86400.0
T1 = 59 * H
MAT = llto_material()
NY, NX, FIELD, WIDTH, GUARD = 40, 1000, 500, 20.0, 2.5


def _strip(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    mu, s = lognormal_params(16.0, 11.0)
    edges = np.cumsum(np.maximum(2.0, rng.lognormal(mu, s, 200)))
    edges = edges[edges < NX - 1]
    xx = np.mgrid[0:NY, 0:NX][1] + 0.5
    poly = polycrystal_from_labels(np.searchsorted(edges, xx), pixel_size_um=1.0)
    poly = dataclasses.replace(poly, k_factor=np.exp(rng.normal(0.0, 0.4, poly.pairs.shape[0])))
    return poly, edges


def _map(field: np.ndarray, rng: np.random.Generator, counts: float) -> xr.Dataset:
    img = simulate_sims_image(
        field,
        cell_um=1.0,
        field_um=(FIELD, NY),
        pixels=(FIELD, NY),
        mean_counts=counts,
        psf_sigma_px=0.7,
        rng=rng,
    )
    na, nb = img.counts["6Li"], img.counts["7Li"]
    c = na / (na + nb)
    dims = ("y", "x")
    return xr.Dataset(
        {
            "C": (dims, c),
            "C_err": (dims, np.sqrt(c * (1 - c) / (na + nb))),
            "n_a": (dims, na),
            "n_b": (dims, nb),
        },
        coords={"x": ("x", np.arange(FIELD) + 0.5), "y": ("y", np.arange(NY) + 0.5)},
    )


def _loop(
    seed: int, counts: float, closed_end: str | None, second: str = "closed"
) -> tuple[list, list]:
    """``second``: the boundary of the 16 d between the maps ("closed": storage; "source":
    the exchange goes on)."""
    poly, edges = _strip(seed)
    ev = evolve_polycrystal(
        poly,
        MAT,
        [Stage(T22, 59 * H, "source"), Stage(T22, 16 * DAY, second)],
        c_initial=0.0759,
        c_source=0.95,
        gb_faces="corrected",
        rtol=1e-5,
    )
    rng = np.random.default_rng(100 + seed)
    maps = [_map(f, rng, counts) for f in ev.fields]
    profiles, gbs, stops, fluxes, truths, objs = [], [], [], [], [], []
    for y0 in (10.0, 30.0):
        p1, p2 = (
            line_profile(m, start_um=(0.5, y0), end_um=(FIELD - 0.5, y0), width_um=WIDTH)
            for m in maps
        )
        x = p1["x_um"].values
        tm = two_map_flux(
            x,
            p1["C"].values,
            p1["C_err"].values,
            p2["C"].values,
            p2["C_err"].values,
            dt_s=16 * DAY,
            closed_end=closed_end,
            t1_s=T1,
        )
        objs.append(tm)
        fluxes.append(tm.flux)
        profiles.append((x, tm.C_mean, tm.C_mean_err))
        xg = edges - 0.5
        gap = np.diff(xg)
        room = (np.concatenate([[np.inf], gap]) > 2 * GUARD + 1) & (
            np.concatenate([gap, [np.inf]]) > 2 * GUARD + 1
        )
        use = (xg > 15.0) & (xg < FIELD - 20.0) & room
        gbs.append(xg[use].tolist())
        stops.append([(float(v), GUARD) for v in xg[~use] if 0.0 < v < FIELD - 1.0])
        truths.append(MAT.k_gb(T22) * poly.k_factor[use])
    res = analyze_profiles(
        profiles, gbs, d_bulk=MAT.d_bulk(T22), flux=fluxes, window_stops=stops, width_um=WIDTH
    )
    rows = [
        (r, float(k))
        for row, tr, tm in zip(res, truths, objs, strict=True)
        for r, k in zip(tm.flag(row), tr, strict=True)
    ]
    return rows, objs


def _coverage(rows: list) -> float:
    return float(np.mean([r.flux_estimate.ci95.contains(k) for r, k in rows if r.analysable]))


def test_storage_pair_closed_sample_edge_covers_the_truth() -> None:
    rows, objs = _loop(1, 2e3, "left")
    assert len(rows) >= 40
    assert _coverage(rows) >= 0.9
    ratio = [r.flux_estimate.k / k for r, k in rows if r.analysable and r.flux_estimate.bounded]
    assert abs(np.median(ratio) - 1) < 0.1
    assert all(not o.flags for o in objs)


def test_far_end_assumption_is_flagged_on_every_boundary() -> None:
    rows, objs = _loop(1, 2e3, "right")
    assert all("flux_far_end_open" in o.flags or "flux_end_inconsistent" in o.flags for o in objs)
    assert all(set(objs[0].flags) <= set(r.flags) for r, _ in rows if r.analysable)


def test_storage_pair_with_the_far_end_estimated_is_flagged_on_every_boundary() -> None:
    # the erfc anchor assumes the source on during both maps; after a storage the surface has
    # drained (0.95 -> ~0.3) and k comes out ~5x low, which must not pass silently
    rows, objs = _loop(1, 2e3, None)
    assert all(o.end == "estimated" and "flux_source_off" in o.flags for o in objs)
    assert all("flux_source_off" in r.flags for r, _ in rows if r.analysable)


def test_exchange_going_on_with_the_far_end_estimated_covers_the_truth() -> None:
    # the source on during both maps, the route the estimated far end is for: the slope over
    # the last 100 um reads the few grains there (its walk term is in the error; without it
    # the 95 % sets of this strip held the truth for 45 % of the GBs of one profile)
    rows, objs = _loop(2, 2e3, None, second="source")
    assert all(o.end == "estimated" and not o.flags for o in objs)
    assert all(o.checks["far_end_walk_rate_um"] > 0 for o in objs)
    assert len(rows) >= 30
    assert _coverage(rows) >= 0.9


def test_cli_storage_pair_with_only_the_time_says_the_source_was_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    poly, edges = _strip(1)
    ev = evolve_polycrystal(
        poly,
        MAT,
        [Stage(T22, 59 * H, "source"), Stage(T22, 16 * DAY, "closed")],
        c_initial=0.0759,
        c_source=0.95,
        gb_faces="corrected",
        rtol=1e-4,
    )
    rng = np.random.default_rng(3)
    paths = []
    for i, f in enumerate(ev.fields):
        p = line_profile(
            _map(f, rng, 2e3), start_um=(0.5, 10.0), end_um=(FIELD - 0.5, 10.0), width_um=WIDTH
        )
        path = tmp_path / f"map{i}.csv"
        rows = zip(p["x_um"].values, p["C"].values, p["C_err"].values, strict=True)
        path.write_text("x_um,C,C_err\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows))
        paths.append(str(path))
    args = ["gb-step", paths[0], "--d-bulk", "2.6e-8 cm^2/s", "--flux-from", paths[1]]
    args += ["--dt", "16 d", "--time", "59 h", "--width", "20 um"]
    for g in edges[(edges > 30) & (edges < 200)][:4]:
        args += ["--gb", f"{g - 0.5:.2f}"]
    outs = []
    for extra in (["--json"], []):
        with pytest.raises(SystemExit) as exc:
            main([*args, *extra])
        assert not exc.value.code, capsys.readouterr().err
        outs.append(capsys.readouterr().out)
    d = json.loads(outs[0])
    assert "flux_source_off" in d["flux"]["flags"] and "--closed-end left" in d["flux"]["note"]
    assert all("flux_source_off" in b["flags"] for b in d["boundaries"] if b["analysable"])
    assert "note: the surface fraction fell between the profiles" in outs[1]


@pytest.mark.slow
def test_storage_pair_coverage_over_seeds() -> None:
    rows = [row for seed in range(2, 6) for row in _loop(seed, 2e3, "left")[0]]
    print("coverage", _coverage(rows), len(rows))
    assert _coverage(rows) >= 0.9


@pytest.mark.slow
def test_exchange_going_on_coverage_over_seeds() -> None:
    rows = [row for seed in range(3, 7) for row in _loop(seed, 2e3, None, second="source")[0]]
    print("coverage", _coverage(rows), len(rows))
    assert _coverage(rows) >= 0.9
