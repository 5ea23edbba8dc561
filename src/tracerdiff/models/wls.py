"""Weighted polynomial least squares in closed form (QR): the straight line of the Arrhenius
fits (ln D against 1/T), its quadratic curvature test and the type-B tail fits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["LinearFit", "linear_wls"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class LinearFit:
    """Coefficients (low order first), their covariance, chi-square and degrees of freedom."""

    coef: FloatArray
    cov: FloatArray
    chi2: float
    dof: int
    scaled: bool  #: True when the covariance was scaled by the residual scatter


def linear_wls(
    x: FloatArray, y: FloatArray, sigma: FloatArray | None, *, degree: int = 1
) -> LinearFit:
    """Weighted polynomial least squares of ``y`` on ``x`` (closed form, via QR).

    With ``sigma`` the covariance is absolute; without it, unit weights are used and the
    covariance is scaled by chi2/dof (NaN when dof = 0).
    """
    w = np.ones_like(y) if sigma is None else 1.0 / np.asarray(sigma, dtype=float)
    a = np.vander(x, degree + 1, increasing=True) * w[:, None]
    b = y * w
    q, r = np.linalg.qr(a)
    coef = np.linalg.solve(r, q.T @ b)
    rinv = np.linalg.inv(r)
    cov = rinv @ rinv.T
    resid = b - a @ coef
    chi2 = float(resid @ resid)
    dof = len(y) - (degree + 1)
    if sigma is None:
        cov = cov * (chi2 / dof if dof > 0 else np.nan)
    return LinearFit(coef=coef, cov=cov, chi2=chi2, dof=dof, scaled=sigma is None)
