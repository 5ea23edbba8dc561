"""Benchmark: closed-domain evolution (4096 cells, 2 weeks, D = 3e-9 cm^2/s) and evolution fits.

Ours: exact transform (DCT-II, :class:`tracerdiff.solvers.exact.SpectralEvolver`).  Peer: FiPy
with implicit (backward Euler) steps on the same cell-centred grid; the number of steps is
doubled until the max error against the exact answer of the same grid is <= 1e-4.

Run: python benchmarks/bench_evolution.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable

import numpy as np

from tracerdiff.fitting import ProfileData, fit_evolution
from tracerdiff.solutions import erfc_profile
from tracerdiff.solvers.exact import SpectralEvolver, evolve_exact

N = 4096
LENGTH_UM = 4000.0
D = 3.0e-9
T_2W = 14 * 86400.0
TOL = 1e-4


def best_time(fn: Callable[[], object], *, repeat: int = 7, number: int = 1) -> float:
    """Best wall time of ``number`` calls, over ``repeat`` runs (s per call)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def setup() -> tuple[np.ndarray, np.ndarray, float]:
    h_um = LENGTH_UM / N
    x = (np.arange(N) + 0.5) * h_um
    c0 = erfc_profile(x, C_s=0.95, C_0=0.0759, D=8e-9, time_s=110 * 3600.0)
    return x, c0, h_um * 1e-4


def fipy_forward(c0: np.ndarray, h_cm: float, steps: int) -> np.ndarray:
    """FiPy backward-Euler evolution over two weeks in ``steps`` equal steps."""
    os.environ.setdefault("FIPY_SOLVERS", "scipy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fipy import CellVariable, DiffusionTerm, Grid1D, TransientTerm

        mesh = Grid1D(nx=c0.size, dx=h_cm)
        phi = CellVariable(mesh=mesh, value=c0.copy())
        eq = TransientTerm() == DiffusionTerm(coeff=D)
        dt = T_2W / steps
        for _ in range(steps):
            eq.solve(var=phi, dt=dt)
    return np.asarray(phi.value, dtype=float)


def fipy_equal_accuracy(
    c0: np.ndarray, h_cm: float, exact: np.ndarray, *, quick: bool
) -> tuple[int, float, float]:
    """(steps, seconds, max error) of the cheapest FiPy run within TOL of ``exact``."""
    fipy_forward(c0, h_cm, 1)  # import FiPy and warm up outside the timings
    steps = 50 if not quick else 200
    while True:
        t0 = time.perf_counter()
        out = fipy_forward(c0, h_cm, steps)
        secs = time.perf_counter() - t0
        err = float(np.abs(out - exact).max())
        print(f"  fipy: {steps:5d} implicit steps  max error {err:.2e}  {secs:.3f} s")
        if err <= TOL or steps >= 3200:
            return steps, secs, err
        steps *= 2


def fit_timing(n_points: int, *, microstructure: str = "estimate") -> tuple[float, float, float]:
    """Seconds of a full evolution fit (profiles of ``n_points`` over 4 mm; 2 and 6 weeks);
    ``microstructure="homogeneous"`` leaves out the grain-sampling term (counting error only)."""
    rng = np.random.default_rng(1)
    step = LENGTH_UM / n_points
    x = (np.arange(n_points) + 0.5) * step
    c0 = erfc_profile(x, C_s=0.95, C_0=0.0759, D=8e-9, time_s=110 * 3600.0)
    later = [evolve_exact(c0, h_cm=step * 1e-4, D_t_cm2=D * k * 7 * 86400.0) for k in (2, 6)]
    noisy = [
        ProfileData.from_arrays(x, c + rng.normal(0, 0.01, x.size), np.full(x.size, 0.01))
        for c in [c0, *later]
    ]
    times = [14 * 86400.0, 42 * 86400.0]
    r = fit_evolution(noisy[0], noisy[1:], times_s=times, microstructure=microstructure)
    secs = best_time(
        lambda: fit_evolution(noisy[0], noisy[1:], times_s=times, microstructure=microstructure),
        repeat=5,
    )
    return secs, r.values["D_eff"], r.stderr["D_eff"] or float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, start FiPy at 200 steps")
    quick = ap.parse_args().quick
    _x, c0, h_cm = setup()
    ev = SpectralEvolver.build(c0, h_cm=h_cm)
    exact = ev.at(D * T_2W)
    t_build = best_time(lambda: SpectralEvolver.build(c0, h_cm=h_cm), repeat=5, number=20)
    t_at = best_time(lambda: ev.at(D * T_2W), repeat=5, number=50)
    t_full = best_time(lambda: evolve_exact(c0, h_cm=h_cm, D_t_cm2=D * T_2W), repeat=5, number=20)
    # accuracy of the grid against the continuous answer (fine-grid transform, 16x cells)
    fine_x = (np.arange(16 * N) + 0.5) * LENGTH_UM / (16 * N)
    fine = evolve_exact(
        erfc_profile(fine_x, C_s=0.95, C_0=0.0759, D=8e-9, time_s=110 * 3600.0),
        h_cm=h_cm / 16,
        D_t_cm2=D * T_2W,
    )
    grid_err = float(np.abs(exact - fine.reshape(N, 16).mean(axis=1)).max())
    print(f"tracerdiff exact transform, {N} cells, 2 weeks at D = {D:g} cm^2/s")
    print(f"  forward (precomputed transform, one inverse DCT): {t_at * 1e3:.3f} ms")
    print(f"  forward incl. transform of c0:                   {t_full * 1e3:.3f} ms")
    print(
        f"  (build alone {t_build * 1e3:.3f} ms; time error 0 by construction; grid vs continuous "
        f"{grid_err:.1e})"
    )
    steps, t_fipy, err = fipy_equal_accuracy(c0, h_cm, exact, quick=quick)
    print(f"FiPy implicit, {steps} steps for max error {err:.1e} <= {TOL:g}: {t_fipy:.3f} s")
    print(
        f"speed-up at equal accuracy: {t_fipy / t_full:,.0f}x (incl. transform), "
        f"{t_fipy / t_at:,.0f}x (precomputed)"
    )
    for n_points in (160, N):
        t_fit, d_fit, se = fit_timing(n_points)
        t_hom, _, _ = fit_timing(n_points, microstructure="homogeneous")
        print(
            f"full evolution fit (2 later profiles x {n_points} points, {n_points}-cell grid, "
            f"profile-likelihood CI, initial noise propagated, grain-sampling term): "
            f"{t_fit * 1e3:.1f} ms  D = {d_fit:.4g} +- {se:.2g} cm^2/s  "
            f"(without the grain-sampling term: {t_hom * 1e3:.1f} ms)"
        )


if __name__ == "__main__":
    main()
