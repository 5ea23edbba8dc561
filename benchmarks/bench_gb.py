"""Benchmark: step analysis of 1,000 GBs on 1,000 profiles, and automatic step detection on the
200 profiles of a 512 x 206 map.

Ours: :func:`tracerdiff.grain_boundary.analyze_profiles` (every fit of every GB in one batch of
normal equations) and :func:`tracerdiff.grain_boundary.detect_steps_batch` (exact penalised
partitioning vectorised over the profiles).  Peers: the straightforward loops - one
``numpy.polyfit`` per grain side (the study's separate quadratics, jump and gradients only, no
joint fit, no intervals) and :func:`detect_steps` called profile by profile.
Targets: 1,000 GBs < 2 s; 200 detections < 10 s.

Run: python benchmarks/bench_gb.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tracerdiff.grain_boundary import analyze_profiles, detect_steps, detect_steps_batch

D_B = 2.6e-8


def staircase_profiles(n: int, rng: np.random.Generator, *, points: int = 64) -> tuple:
    """n profiles of ``points`` 1 um pixels with one GB each near the middle (um)."""
    x = np.arange(points) + 0.5
    gb = 32.0 + rng.uniform(-3, 3, n)
    grad = -1e-4 * rng.uniform(0.5, 3, n)  # per um
    jump = -rng.uniform(0.01, 0.05, n)
    c = 0.5 + grad[:, None] * (x - gb[:, None]) + np.where(x > gb[:, None], jump[:, None], 0.0)
    c += rng.normal(0, 5e-4, c.shape)
    return x, c, np.full(c.shape, 5e-4), gb


def map_rows(rng: np.random.Generator, *, rows: int = 200, cols: int = 512) -> tuple:
    """Rows of a staircase map (0.977 um pixels, grains ~16 um, sigma 0.0067 per point)."""
    x = (np.arange(cols) + 0.5) * 0.977
    edges = np.cumsum(rng.lognormal(np.log(16), 0.35, 60))
    edges = edges[edges < x[-1]]
    level = 0.9 - 0.02 * np.searchsorted(edges, x) - 1e-4 * x
    s = 0.03 / np.sqrt(20)
    return x, level[None, :] + rng.normal(0, s, (rows, cols)), np.full((rows, cols), s)


def peer_polyfit(x: np.ndarray, c: np.ndarray, gb: np.ndarray, guard: float = 1.5) -> None:
    for i in range(c.shape[0]):
        left = x < gb[i] - guard
        right = x > gb[i] + guard
        pl = np.polyfit(x[left] - gb[i], c[i, left], 2)
        pr = np.polyfit(x[right] - gb[i], c[i, right], 2)
        _ = pr[-1] - pl[-1], pl[-2], pr[-2]


def timed(fn, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return float(best)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repeat, 50 map profiles")
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    rep = 1 if args.quick else 3
    x, c, e, gb = staircase_profiles(1000, rng)
    profiles = [(x, c[i], e[i]) for i in range(c.shape[0])]
    gbs = [[g] for g in gb]
    t_ours = timed(lambda: analyze_profiles(profiles, gbs, d_bulk=D_B), rep)
    t_peer = timed(lambda: peer_polyfit(x, c, gb), rep)
    print(
        f"step analysis, 1000 GBs on 1000 profiles: ours {t_ours:.3f} s "
        f"(target < 2 s), peer np.polyfit loop {t_peer:.3f} s"
    )
    rows = 50 if args.quick else 200
    xm, cm, em = map_rows(rng, rows=rows)
    t_det = timed(lambda: detect_steps_batch(xm, cm, em), 1)
    t_loop = timed(lambda: [detect_steps(xm, cm[i], em[i]) for i in range(rows)], 1)
    print(
        f"step detection, {rows} profiles of 512 px: ours batched {t_det:.2f} s "
        f"(target < 10 s for 200), peer profile-by-profile {t_loop:.2f} s"
    )


if __name__ == "__main__":
    main()
