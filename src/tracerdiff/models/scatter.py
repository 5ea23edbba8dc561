"""Scatter beyond the stated errors in a weighted line fit: random effects (tau^2) or Birge.

Data y_i = a + b x_i + e_i with stated standard errors s_i.  When the scatter exceeds them
(chi^2 per degree of freedom > 1; typical for D_eff of polycrystals, whose counting errors
ignore which grains a profile samples, science.md section 10), two corrections are offered:

- ``random_effects``: e_i ~ N(0, s_i^2 + tau^2) with one extra variance tau^2 >= 0, fitted by
  the Paule-Mandel moment equation sum r_i^2 / (s_i^2 + tau^2) = n - p (the generalised
  DerSimonian-Laird family; tau^2 = 0 when the stated errors already explain the scatter).
  The fit is redone with weights 1 / (s_i^2 + tau^2).
- ``birge``: the covariance of the plain fit scaled by the Birge ratio chi^2_red (when > 1).

Either way the intervals use Student's t with n - p degrees of freedom (Knapp-Hartung): the
excess variance is estimated from the same few points.  Pure functions on arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["SCATTER_METHODS", "ExcessScatter", "excess_scatter_fit", "paule_mandel_tau2"]

FloatArray = NDArray[np.float64]
SCATTER_METHODS = ("random_effects", "birge", "none")


def _wls(x: FloatArray, y: FloatArray, var: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    """Weighted straight line: coefficients (a, b), covariance (absolute) and chi^2."""
    w = 1.0 / np.sqrt(var)
    a = np.column_stack([np.ones_like(x), x]) * w[:, None]
    coef, *_ = np.linalg.lstsq(a, y * w, rcond=None)
    cov = np.linalg.inv(a.T @ a)
    r = y * w - a @ coef
    return np.asarray(coef, dtype=float), np.asarray(cov, dtype=float), float(r @ r)


def paule_mandel_tau2(x: FloatArray, y: FloatArray, sigma: FloatArray) -> float:
    """tau^2 >= 0 with Q(tau^2) = sum r_i^2 / (s_i^2 + tau^2) = n - 2 (bisection in log tau^2)."""
    s2 = np.asarray(sigma, dtype=float) ** 2
    dof = y.size - 2
    if dof <= 0 or _wls(x, y, s2)[2] <= dof:
        return 0.0
    lo, hi = 1e-30, max(float(np.var(y)) * 100.0, float(s2.max()), 1e-30)
    while _wls(x, y, s2 + hi)[2] > dof:
        hi *= 10.0
    for _ in range(200):
        mid = float(np.sqrt(lo * hi))
        if _wls(x, y, s2 + mid)[2] > dof:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1 + 1e-10:
            break
    return float(np.sqrt(lo * hi))


@dataclass(frozen=True, eq=False)
class ExcessScatter:
    """The adopted coefficients (a, b) and covariance, and how the excess was treated."""

    coef: FloatArray
    cov: FloatArray
    method: str  #: "random_effects", "birge" or "none" (stated errors kept)
    tau2: float  #: fitted extra variance (random effects), else 0
    birge_ratio: float  #: sqrt(chi^2_red) of the plain fit
    applied: bool  #: True when the errors were enlarged (t intervals then)


def excess_scatter_fit(
    x: FloatArray, y: FloatArray, sigma: FloatArray, *, method: str = "random_effects"
) -> ExcessScatter:
    """Straight-line fit of ``y`` on ``x`` with stated errors ``sigma`` and, when the scatter
    exceeds them, the chosen correction (see module docstring)."""
    if method not in SCATTER_METHODS:
        raise ValueError(f"method must be one of {SCATTER_METHODS}")
    s2 = np.asarray(sigma, dtype=float) ** 2
    coef, cov, chi2 = _wls(x, y, s2)
    dof = y.size - 2
    chi2_red = chi2 / dof if dof > 0 else float("nan")
    birge = float(np.sqrt(chi2_red)) if dof > 0 else float("nan")
    if method == "none" or not chi2_red > 1.0:
        return ExcessScatter(coef, cov, "none" if method == "none" else method, 0.0, birge, False)
    if method == "birge":
        return ExcessScatter(coef, cov * chi2_red, "birge", 0.0, birge, True)
    tau2 = paule_mandel_tau2(x, y, np.sqrt(s2))
    coef_re, cov_re, q = _wls(x, y, s2 + tau2)
    cov_re = cov_re * max(1.0, q / dof)  # Knapp-Hartung: never below the moment estimate
    return ExcessScatter(coef_re, cov_re, "random_effects", tau2, birge, True)
