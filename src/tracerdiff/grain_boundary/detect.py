"""Where the steps are: change points of a piecewise-linear profile model.

Optimal partitioning (exact penalised dynamic programming) on the weighted residual sum of squares
of a line per segment, batched over many profiles on one grid.  The penalty is BIC-type:
3 ln(n) per change point (position, intercept and slope of the new segment) times ``penalty``
(a factor, default 1), on residuals divided by a robust noise scale (the MAD of normalised second
differences: counting noise larger or smaller than C_err states is taken into account).  Each
change point gets a position uncertainty from the local profile of the cost (a likelihood over
the candidate positions between its neighbours) and the jump between the two segment lines.
Units: positions um; jumps in fraction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DataError, InputError, ShapeMismatchError
from ..quantities import finite_or_none, quantity
from ..results import ResultMixin

__all__ = ["StepDetection", "detect_steps", "detect_steps_batch"]

Arr = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class StepDetection(ResultMixin):
    """Detected steps on one profile: positions (um) with standard errors, jumps
    C(right) - C(left) at each position with errors, the noise scale and the penalty used."""

    positions_um: Arr
    position_err_um: Arr
    jumps: Arr
    jump_err: Arr
    noise_scale: float
    penalty: float
    min_size: int
    z_min: float = 3.0

    def to_dict(self) -> dict[str, Any]:
        """Keys: steps (position, dC), noise_scale, penalty, min_size."""
        steps = [
            {"position": quantity(p, e, "um"), "dC": quantity(j, je, "")}
            for p, e, j, je in zip(
                self.positions_um, self.position_err_um, self.jumps, self.jump_err, strict=True
            )
        ]
        return {
            "steps": steps,
            "noise_scale": finite_or_none(self.noise_scale),
            "penalty": finite_or_none(self.penalty),
            "min_size": self.min_size,
        }


def _prefix(x: Arr, y: Arr, w: Arr) -> Arr:
    """Cumulative sums (6, P, n+1) of w, wx, wxx, wy, wxy, wyy."""
    terms = np.stack([w, w * x, w * x * x, w * y, w * x * y, w * y * y])
    out = np.zeros((*terms.shape[:2], terms.shape[2] + 1))
    np.cumsum(terms, axis=2, out=out[:, :, 1:])
    return out


def _ssr(S: Arr) -> Arr:
    """Weighted residual sum of squares of a line from summed moments S (6, ...)."""
    sw, sx, sxx, sy, sxy, syy = S
    det = sw * sxx - sx * sx
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = (sxx * sy * sy - 2 * sx * sy * sxy + sw * sxy * sxy) / det
    fit = np.where(
        det > 1e-12 * np.maximum(sw * sxx, 1e-300),
        fit,
        np.where(sw > 0, sy * sy / np.where(sw > 0, sw, 1), 0),
    )
    return np.maximum(syy - fit, 0.0)


def _noise_scale(y: Arr, var: Arr) -> Arr:
    """Robust chi-scale per profile from normalised second differences (P,)."""
    d2 = y[:, :-2] - 2 * y[:, 1:-1] + y[:, 2:]
    v2 = var[:, :-2] + 4 * var[:, 1:-1] + var[:, 2:]
    r = d2 / np.sqrt(v2)
    med = np.nanmedian(np.abs(r - np.nanmedian(r, axis=1, keepdims=True)), axis=1)
    return np.clip(1.4826 * med, 0.5, None)


def _partition(S: Arr, beta: Arr, m: int, g: int) -> list[list[int]]:
    """Exact penalised partitioning of every profile; returns change indices per profile.

    A segment starting at a change s > 0 leaves out its first ``g`` points (the blurred step).
    """
    P, n = S.shape[1], S.shape[2] - 1
    F = np.full((P, n + 1), np.inf)
    F[:, 0] = -beta
    back = np.zeros((P, n + 1), dtype=np.intp)
    for t in range(m, n + 1):
        s = np.arange(0, t - m + 1)
        s = s[(s == 0) | ((s >= m) & (s <= t - m - g))]
        start = np.where(s == 0, 0, s + g)
        cost = _ssr(S[:, :, t][:, :, None] - S[:, :, start])
        tot = F[:, s] + cost + beta[:, None]
        j = np.argmin(tot, axis=1)
        F[:, t] = tot[np.arange(P), j]
        back[:, t] = s[j]
    out = []
    for p in range(P):
        cps, t = [], n
        while t > 0:
            t = int(back[p, t])
            if t > 0:
                cps.append(t)
        out.append(sorted(cps))
    return out


def _where(x: Arr, i: int, g: int) -> float:
    """Position of a change at index i (um): centre of the g left-out points, or the edge."""
    return float(np.mean(x[i : i + g])) if g > 0 else 0.5 * float(x[i - 1] + x[i])


def _locate(S: Arr, x: Arr, cps: list[int], g: int) -> tuple[Arr, Arr]:
    """Position (um) of each change and its sd over the local cost profile, with the pitch's
    own sqrt(1/12) rounding added."""
    n = x.size
    bounds = [0, *cps, n]
    pos, err = [], []
    pitch2 = float(np.median(np.diff(x))) ** 2 / 12.0
    for i in range(1, len(bounds) - 1):
        a, b = bounds[i - 1] + (g if i > 1 else 0), bounds[i + 1]
        cand = np.arange(a + 2, b - g - 1)
        xc = np.array([_where(x, int(c), g) for c in cand])
        cost = _ssr(S[:, cand] - S[:, [a]]) + _ssr(S[:, [b]] - S[:, cand + g])
        d = cost - cost.min()  # already in units of the scaled chi-square
        wgt = np.exp(-0.5 * d)
        wgt /= wgt.sum()
        mu = float(np.sum(wgt * xc))
        pos.append(_where(x, bounds[i], g))
        err.append(math.sqrt(float(np.sum(wgt * (xc - mu) ** 2)) + pitch2))
    return np.array(pos), np.array(err)


def _side_value(x: Arr, y: Arr, w: Arr, x0: float) -> tuple[float, float]:
    """Value at x0 (and its variance) of a quadratic fitted to one side (a line for segments
    shorter than 12 points, where curvature cannot matter and a quadratic is too loose)."""
    deg = 2 if x.size >= 12 else 1
    X = np.vander(x - x0, deg + 1, increasing=True)
    A = X.T @ (X * w[:, None])
    cov = np.linalg.pinv(A)
    beta = cov @ (X.T @ (w * y))
    return float(beta[0]), float(cov[0, 0])


def _jumps(x: Arr, y: Arr, w: Arr, cps: list[int], scale2: float, g: int) -> tuple[Arr, Arr]:
    """Jump between the smooth (quadratic) fits of the two neighbouring segments at each change
    (fraction) and its error, the noise scale applied."""
    bounds = [0, *cps, y.size]
    jumps, errs = [], []
    for i in range(1, len(bounds) - 1):
        x0 = _where(x, bounds[i], g)
        lo = bounds[i - 1] + (g if i > 1 else 0)
        (vl, el), (vr, er) = (
            _side_value(x[a:b], y[a:b], w[a:b], x0)
            for a, b in ((lo, bounds[i]), (bounds[i] + g, bounds[i + 1]))
        )
        jumps.append(vr - vl)
        errs.append(math.sqrt((el + er) * scale2))
    return np.array(jumps), np.array(errs)


def _prune(
    x: Arr, y: Arr, w: Arr, cps: list[int], scale2: float, z_min: float, g: int
) -> list[int]:
    """Drop, weakest first, change points whose jump between smooth (quadratic) neighbouring
    segments is below ``z_min`` standard errors: kinks of a curved grain are not steps."""
    cps = list(cps)
    while cps:
        j, e = _jumps(x, y, w, cps, scale2, g)
        z = np.abs(j) / e
        i = int(np.argmin(z))
        if z[i] >= z_min:
            break
        del cps[i]
    return cps


def detect_steps_batch(
    x_um: ArrayLike,
    C: ArrayLike,
    C_err: ArrayLike,
    *,
    penalty: float = 1.0,
    min_size: int = 4,
    z_min: float = 3.0,
    guard_points: int = 1,
) -> list[StepDetection]:
    """Detect steps on many profiles sharing one grid: ``C``, ``C_err`` of shape (P, n).

    ``min_size`` is the shortest segment (points), ``penalty`` a factor on the BIC penalty
    3 ln(n).  Change points whose jump between quadratic fits of the neighbouring segments is
    below ``z_min`` standard errors are dropped (curvature inside a long grain makes kinks in a
    piecewise-linear model).  ``guard_points`` points after each change are left out of the
    fits (the step blurred by the point spread; the position reported is their centre).  NaN
    points and non-positive errors get zero weight.
    """
    x = np.asarray(x_um, dtype=float)
    y = np.atleast_2d(np.asarray(C, dtype=float))
    e = np.atleast_2d(np.asarray(C_err, dtype=float))
    if x.ndim != 1 or y.shape != e.shape or y.shape[1] != x.size:
        raise ShapeMismatchError(
            f"C and C_err must be (profiles, {x.size}), got {y.shape}, {e.shape}"
        )
    if not (math.isfinite(penalty) and penalty > 0):
        raise InputError(f"penalty must be a positive factor, got {penalty}")
    if not (isinstance(min_size, int) and min_size >= 3):
        raise InputError(f"min_size must be an integer >= 3 points, got {min_size}")
    if x.size < 2 * min_size:
        raise InputError(f"a profile needs at least {2 * min_size} points to hold one step")
    ok = np.isfinite(y) & np.isfinite(e) & (e > 0)
    if not np.all(ok.any(axis=1)):
        raise DataError("a profile holds no finite value with a positive error (NaN-only)")
    w = np.where(ok, 1.0 / np.where(ok, e, 1.0) ** 2, 0.0)
    yc = np.where(ok, y, 0.0)
    yc = yc - np.sum(w * yc, axis=1, keepdims=True) / np.sum(w, axis=1, keepdims=True)
    yc = np.where(ok, yc, 0.0)
    xc = (x - x.mean()) / max(float(np.ptp(x)), 1e-12)
    scale = _noise_scale(np.where(ok, y, np.nan), np.where(ok, e**2, np.nan))
    scale = np.where(np.isfinite(scale), scale, 1.0)
    S = _prefix(np.broadcast_to(xc, y.shape), yc, w / scale[:, None] ** 2)
    beta = np.full(y.shape[0], penalty * 3.0 * math.log(x.size))
    if not (isinstance(guard_points, int) and 0 <= guard_points <= 3):
        raise InputError(f"guard_points must be 0..3, got {guard_points}")
    cps = _partition(S, beta, min_size, guard_points)
    out = []
    for p, cp0 in enumerate(cps):
        cp = _prune(x, yc[p], w[p], cp0, float(scale[p]) ** 2, z_min, guard_points)
        pos, perr = _locate(S[:, p], x, cp, guard_points)
        jumps, jerr = _jumps(x, yc[p], w[p], cp, float(scale[p]) ** 2, guard_points)
        out.append(
            StepDetection(
                positions_um=pos,
                position_err_um=perr,
                jumps=jumps,
                jump_err=jerr,
                noise_scale=float(scale[p]),
                penalty=float(beta[p]),
                min_size=min_size,
                z_min=z_min,
            )
        )
    return out


def detect_steps(
    x_um: ArrayLike,
    C: ArrayLike,
    C_err: ArrayLike,
    *,
    penalty: float = 1.0,
    min_size: int = 4,
    z_min: float = 3.0,
    guard_points: int = 1,
) -> StepDetection:
    """Detect steps on one profile (see :func:`detect_steps_batch`).

    >>> import numpy as np
    >>> x = np.arange(0.25, 40.0, 0.5)
    >>> c = 0.6 - 0.0075 * x - 0.0195 * (x > 20.0)
    >>> c += np.random.default_rng(7).normal(0.0, 0.002, x.size)
    >>> found = detect_steps(x, c, np.full(x.size, 0.002)).to_dict()["steps"]
    >>> [(f"{s['position']['value']:.0f} um", f"{s['dC']['value']:.2f}") for s in found]
    [('20 um', '-0.02')]
    """
    return detect_steps_batch(
        x_um,
        np.asarray(C, dtype=float)[None, :],
        np.asarray(C_err, dtype=float)[None, :],
        penalty=penalty,
        min_size=min_size,
        z_min=z_min,
        guard_points=guard_points,
    )[0]
