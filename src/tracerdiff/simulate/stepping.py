"""Time stepping of ``dc/dt = A c + b`` for the 2D finite-volume solver (``fv2d``).

TR-BDF2 (gamma = 2 - sqrt 2, L-stable, 2nd order) whose two stages share one matrix
``I - (gamma/2) dt A``: one sparse LU (SuperLU, symmetric minimum-degree ordering) per step
size.  With ``rtol`` the step count is doubled (one new factorisation each) until two successive
solutions differ by <= 3 rtol x scale (Richardson estimate of the error of the finer one), and
the Richardson-extrapolated value is returned.  Backward Euler (``scheme="be"``) for peer
comparisons.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import NDArray

from ..errors import InputError, SolverError

__all__ = ["GAMMA", "factor", "integrate_stage"]

FloatArray = NDArray[np.float64]
GAMMA = 2.0 - math.sqrt(2.0)


def factor(m: sp.spmatrix) -> Any:
    """SuperLU of ``m``; a failed factorisation is a :class:`SolverError` (SuperLU reports
    running out of memory as MemoryError, which the callers word with the grid's estimate)."""
    try:
        return spla.splu(
            sp.csc_matrix(m), permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True}
        )
    except RuntimeError as exc:  # "Factor is exactly singular" and the like
        raise SolverError(f"sparse LU factorisation failed: {exc}") from None


def _march(
    a: sp.csr_matrix, b: FloatArray, c0: FloatArray, t: float, n: int, scheme: str
) -> FloatArray:
    dt = t / n
    eye = sp.identity(a.shape[0], format="csr")
    c = c0.copy()
    if scheme == "be":
        lu = factor(eye - dt * a)
        for _ in range(n):
            c = lu.solve(c + dt * b)
        return c
    d = 0.5 * GAMMA
    a1 = 1.0 / (GAMMA * (2.0 - GAMMA))
    a0 = (1.0 - GAMMA) ** 2 / (GAMMA * (2.0 - GAMMA))
    lu = factor(eye - (d * dt) * a)
    for _ in range(n):
        cg = lu.solve(c + (d * dt) * (a @ c + 2.0 * b))
        c = lu.solve(a1 * cg - a0 * c + (d * dt) * b)
    return c


def integrate_stage(
    a: sp.csr_matrix,
    b: FloatArray,
    c0: FloatArray,
    *,
    duration_s: float,
    steps: int | None = None,
    rtol: float | None = 1e-4,
    scale: float = 1.0,
    scheme: str = "trbdf2",
    first_steps: int = 8,
    max_steps: int = 4096,
) -> tuple[FloatArray, int, int, float | None]:
    """Integrate ``dc/dt = A c + b`` over ``duration_s``; returns (c, steps, factorisations,
    error estimate).  Fixed ``steps`` (no estimate) or step doubling to ``rtol * scale``."""
    if scheme not in ("trbdf2", "be"):
        raise InputError(f"scheme must be 'trbdf2' or 'be', got {scheme!r}")
    if not duration_s > 0:
        raise InputError("duration_s must be > 0 s")
    if steps is not None:
        if steps < 1:
            raise InputError("steps must be >= 1")
        return _march(a, b, c0, duration_s, int(steps), scheme), int(steps), 1, None
    if rtol is None or not rtol > 0:
        raise InputError("give steps >= 1 or rtol > 0")
    order = 2 if scheme == "trbdf2" else 1
    denom = 2.0**order - 1.0
    n = max(1, int(first_steps))
    coarse = _march(a, b, c0, duration_s, n, scheme)
    nfac = 1
    while 2 * n <= max_steps:
        fine = _march(a, b, c0, duration_s, 2 * n, scheme)
        nfac += 1
        err = float(np.max(np.abs(fine - coarse))) / denom
        if err <= rtol * scale:
            return fine + (fine - coarse) / denom, 2 * n, nfac, err
        coarse, n = fine, 2 * n
    raise SolverError(f"time integration did not reach rtol {rtol} within {max_steps} steps")
