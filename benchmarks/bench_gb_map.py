"""Benchmark: every boundary of a 512 x 512 map (``analyze_boundary_map``), ~500 boundaries.

The map: a Laguerre polycrystal of 512 x 512 one-micrometre pixels (grain ECD mean 38 um, sd
26 um: ~590 boundaries), a staircase fraction field (each grain at the erfc value of its
centroid, an in-grain gradient of ~2 /cm, the jumps in between) with binomial noise at 1e6
counts per pixel.  Timed: boundaries and windows from the labels, the batched step fits of
every boundary, the pooled lognormal population; and the same on the study's 16 um grains
(~2,600 boundaries) for scale.  Target: ~500 boundaries < 30 s.

Run: python benchmarks/bench_gb_map.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import xarray as xr
from scipy.special import erfc

from tracerdiff.grain_boundary import BoundaryMapOptions, analyze_boundary_map
from tracerdiff.simulate import make_polycrystal

D_B = 2.6e-8


def staircase_map(labels: np.ndarray, rng: np.random.Generator, counts: float) -> xr.Dataset:
    """Fraction map of a staircase field on ``labels`` (1 um pixels)."""
    ny, nx = labels.shape
    _, xx = np.mgrid[0:ny, 0:nx] + 0.5
    n = int(labels.max()) + 1
    area = np.bincount(labels.ravel(), minlength=n)
    cx = np.bincount(labels.ravel(), xx.ravel(), minlength=n) / np.maximum(area, 1)
    level = 0.076 + 0.87 * erfc(cx / 300.0)
    c = level[labels] - 2e-4 * (xx - cx[labels]) * np.exp(-cx[labels] / 300.0)
    na = rng.binomial(int(counts), np.clip(c, 0, 1)).astype(float)
    frac = na / counts
    dims = ("y", "x")
    return xr.Dataset(
        {"C": (dims, frac), "C_err": (dims, np.sqrt(frac * (1 - frac) / counts))},
        coords={"x": ("x", np.arange(nx) + 0.5), "y": ("y", np.arange(ny) + 0.5)},
    )


def run(mean_um: float, repeat: int) -> tuple[int, float]:
    rng = np.random.default_rng(1)
    poly = make_polycrystal((512, 512), mean_um=mean_um, sd_um=mean_um * 11 / 16, rng=1)
    ds = staircase_map(poly.labels, rng, 1e6)
    opts = BoundaryMapOptions(d_bulk=D_B)
    best = np.inf
    n = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = analyze_boundary_map(ds, poly.labels, options=opts)
        best = min(best, time.perf_counter() - t0)
        n = len(res.steps)
    return n, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repetition, the 500 map only")
    args = ap.parse_args()
    rep = 1 if args.quick else 3
    n, t = run(38.0, rep)
    print(f"512 x 512 map, {n} boundaries (ECD 38 um): {t:.2f} s (target < 30 s)")
    if not args.quick:
        n, t = run(16.0, 1)
        print(f"512 x 512 map, {n} boundaries (ECD 16 um): {t:.2f} s")


if __name__ == "__main__":
    main()
