"""Benchmark: isotope fraction + ToF dead time + error on two large count images.

Compares tracerdiff's chunked kernels (and the full ``fraction_map``) with a plain NumPy
expression of the same arithmetic, all in float32. Reports wall time (best of ``--repeat``),
throughput (Mpixel/s) and the peak of the memory allocated during the call (tracemalloc, which
numpy reports to) relative to the size of the two float32 count arrays.

Targets: time within 1.5x of plain NumPy; peak memory below 4x the input arrays.

Usage: python benchmarks/bench_fraction.py [--size 4096] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import xarray as xr

from tracerdiff.imaging import fraction_map, isotope_fraction, tof_dead_time

N_PULSES = 2000.0  # shots per pixel x scans


def plain_numpy(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """The same arithmetic as one NumPy expression per quantity (float32 temporaries)."""
    n = np.float32(N_PULSES)
    pa, pb = a / n, b / n
    ta, tb = -n * np.log1p(-pa), -n * np.log1p(-pb)
    va, vb = a / (1 - pa), b / (1 - pb)
    s = ta + tb
    C = ta / s
    err = np.sqrt(tb * tb * va + ta * ta * vb) / (s * s)
    return C, err, ta, tb, va, vb


def kernels(a: np.ndarray, b: np.ndarray) -> tuple[Any, ...]:
    """tracerdiff array kernels: dead time per image, then fraction with delta-method errors."""
    ra = tof_dead_time(a, n_pulses=N_PULSES)
    rb = tof_dead_time(b, n_pulses=N_PULSES)
    fr = isotope_fraction(ra.counts, rb.counts, var_a=ra.var, var_b=rb.var)
    return fr, ra, rb


def full_map(ds: xr.Dataset) -> xr.Dataset:
    """The whole ``fraction_map`` (validation, integer check, records, dataset)."""
    return fraction_map(ds, shots_per_pixel=1, scans=int(N_PULSES))


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(best wall time s, peak traced allocation in bytes during one call)."""
    best = np.inf
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        del out
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    out = fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return best, float(peak)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.size
    rng = np.random.default_rng(1)
    a = rng.poisson(300.0, (n, n)).astype(np.float32)
    b = rng.poisson(500.0, (n, n)).astype(np.float32)
    ds = xr.Dataset(
        {"6Li": (("y", "x"), a), "7Li": (("y", "x"), b)},
        attrs={"pixel_size_x_um": 0.1, "pixel_size_y_um": 0.1},
    )
    inputs = a.nbytes + b.nbytes
    rows = [
        ("plain NumPy (float32)", lambda: plain_numpy(a, b)),
        ("tracerdiff kernels", lambda: kernels(a, b)),
        ("tracerdiff fraction_map", lambda: full_map(ds)),
    ]
    print(f"{n} x {n} px, two float32 count images = {inputs / 2**20:.0f} MiB, N = {N_PULSES:g}")
    head = ("method", "time s", "Mpx/s", "vs numpy", "peak MiB", "peak/in")
    print(f"{head[0]:26s} {head[1]:>8s} {head[2]:>8s} {head[3]:>9s} {head[4]:>9s} {head[5]:>8s}")
    ref = None
    verdicts = []
    for name, fn in rows:
        t, peak = measure(fn, args.repeat)
        ref = ref or t
        print(
            f"{name:26s} {t:8.3f} {n * n / t / 1e6:8.1f} {t / ref:9.2f} "
            f"{peak / 2**20:9.0f} {peak / inputs:8.2f}"
        )
        if name.startswith("tracerdiff"):
            met_t = "met" if t <= 1.5 * ref else "MISSED"
            met_m = "met" if peak < 4 * inputs else "MISSED"
            verdicts.append(
                f"{name}: time {t / ref:.2f}x NumPy ({met_t}, target <= 1.5x), "
                f"peak {peak / inputs:.2f}x inputs ({met_m}, target < 4x)"
            )
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
