"""Weighted Arrhenius fits: ln D = ln D0 - Ea / (k_B T), with covariance, bands and curvature.

Units: temperatures in K, D (and D0) in cm^2/s (any positive rate works the same way), energies
in eV.  The fit is closed-form weighted linear least squares of ln D against x = 1/T with
weights 1/(sigma_D / D)^2.  Without errors the scatter is estimated from the residuals (and the
result says so); intervals then use Student's t instead of the normal distribution.  When the
scatter exceeds the given errors (chi2_red > 1), the adopted errors come from a random-effects
term tau^2 (default) or Birge scaling (:mod:`.scatter`); the plain fit is reported beside them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._lazy import scipy_stats
from ..errors import DataError, InputError
from ..quantities import quantity
from ..units import K_B_EV
from .arrhenius_result import ArrheniusPrediction, ArrheniusResult
from .scatter import SCATTER_METHODS, ExcessScatter, excess_scatter_fit
from .wls import LinearFit, linear_wls

__all__ = [
    "ArrheniusPrediction",
    "ArrheniusResult",
    "LinearFit",
    "fit_arrhenius",
    "linear_wls",
]

FloatArray = NDArray[np.float64]


def _validate(t: FloatArray, d: FloatArray, d_err: FloatArray | None) -> None:
    if t.ndim != 1 or t.shape != d.shape or (d_err is not None and d_err.shape != d.shape):
        raise InputError("temperature, D and D_err must be 1-D arrays of the same length")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(d))):
        raise DataError("temperatures and D must be finite numbers")
    if np.any(t <= 0):
        raise DataError("temperatures must be > 0 K")
    if np.any(d <= 0):
        raise DataError(f"D must be > 0 for an Arrhenius fit; got {float(d.min()):.3g}")
    if np.unique(t).size < 2:
        raise InputError("an Arrhenius fit needs at least 2 different temperatures")
    if d_err is not None and (np.any(~np.isfinite(d_err)) or np.any(d_err <= 0)):
        raise DataError("D errors must be finite and > 0 (omit them to estimate the scatter)")


def _curvature_test(
    x: FloatArray, y: FloatArray, sig: FloatArray | None, lin: LinearFit
) -> dict[str, Any]:
    """Significance of a quadratic term in ln D vs 1/T (non-Arrhenius behaviour).

    Chi-square difference with trusted errors; an F test (residual scatter) without errors or
    when the scatter exceeds the given errors (chi2_red > 1), where the chi-square test would
    reject a straight line for scatter that is not curvature.
    """
    if np.unique(x).size < 3 or lin.dof < 2:
        return {"tested": False, "note": "needs >= 4 points at >= 3 temperatures"}
    quad = linear_wls(x, y, sig, degree=2)
    dchi2 = lin.chi2 - quad.chi2
    if sig is None or lin.chi2 > lin.dof:  # F test with the quadratic fit's residual variance
        f = dchi2 / (quad.chi2 / quad.dof) if quad.chi2 > 0 else math.inf
        p = float(scipy_stats().f.sf(f, 1, quad.dof))
        test = f"F test (1, {quad.dof})"
    else:
        p = float(scipy_stats().chi2.sf(dchi2, 1))
        test = "chi-square difference (1 dof)"
    return {
        "tested": True,
        "quadratic_coef": float(quad.coef[2]),
        "quadratic_coef_err": float(math.sqrt(quad.cov[2, 2])),
        "delta_chi2": float(dchi2),
        "p_value": p,
        "test": test,
        "non_arrhenius": bool(p < 0.05),
    }


_JAC = np.array([[1.0, 0.0], [0.0, -K_B_EV]])  # (ln D0, slope) -> (ln D0, Ea = -k_B slope)


def _summary(coef: FloatArray, cov: FloatArray, unit: str, what: str) -> dict[str, Any]:
    """Ea and D0 of one version of the fit (plain / Birge / random effects), JSON-plain."""
    c = _JAC @ cov @ _JAC.T
    ea, ea_err = float(-K_B_EV * coef[1]), float(math.sqrt(c[1, 1]))
    d0, ln_err = math.exp(float(coef[0])), float(math.sqrt(c[0, 0]))
    return {"Ea": quantity(ea, ea_err, "eV"), "D0": quantity(d0, d0 * ln_err, unit), "method": what}


def _alternatives(
    x: FloatArray, y: FloatArray, sig: FloatArray, lin: LinearFit, unit: str
) -> tuple[dict[str, Any], ExcessScatter, ExcessScatter]:
    """The plain fit and both excess-scatter corrections, for the JSON beside the adopted."""
    re = excess_scatter_fit(x, y, sig, method="random_effects")
    bi = excess_scatter_fit(x, y, sig, method="birge")
    alt: dict[str, Any] = {"plain": _summary(lin.coef, lin.cov, unit, "given errors only")}
    if re.applied:
        alt["random_effects"] = {
            **_summary(re.coef, re.cov, unit, "random effects (Paule-Mandel tau^2)"),
            "tau_ln_D": quantity(math.sqrt(re.tau2), None, ""),
        }
        alt["birge"] = {
            **_summary(bi.coef, bi.cov, unit, "Birge scaling"),
            "birge_ratio": bi.birge_ratio,
        }
    return alt, re, bi


def _central_temperature(x: FloatArray, sig: FloatArray | None, tau2: float) -> float:
    """The weighted centre of x = 1/T as a temperature (K): there D is uncorrelated with Ea."""
    w = np.ones_like(x) if sig is None else 1.0 / (sig**2 + tau2)
    return 1.0 / float(np.sum(w * x) / np.sum(w))


def fit_arrhenius(
    temperature_K: ArrayLike,
    d: ArrayLike,
    d_err: ArrayLike | None = None,
    *,
    reference_T_K: float | None = None,
    unit: str = "cm^2/s",
    label: str = "",
    excess_scatter: str = "random_effects",
) -> ArrheniusResult:
    """Weighted fit of ln D against 1/T.

    ``temperature_K`` in K, ``d`` (and ``d_err``, one standard error per point) in ``unit``.
    The reference temperature defaults to the weighted centre of 1/T, where D is uncorrelated
    with Ea.  ``excess_scatter`` ("random_effects", "birge" or "none") says how errors are
    enlarged when the scatter exceeds the given errors (chi2_red > 1); the plain fit is kept in
    the result.  Raises :class:`DataError` for D <= 0 and :class:`InputError` for < 2
    temperatures.

    Five temperatures of a law D0 = 0.05 cm^2/s, Ea = 0.40 eV with 3 % errors:

    >>> import numpy as np
    >>> from tracerdiff import arrhenius_D
    >>> t = np.array([300.0, 350.0, 400.0, 450.0, 500.0])
    >>> d = arrhenius_D(t, 0.05, 0.40) * np.exp(0.03 * np.random.default_rng(0).normal(size=5))
    >>> fit = fit_arrhenius(t, d, 0.03 * d)
    >>> print(f"Ea = {fit.ea_eV:.3f} +- {fit.ea_err:.3f} eV, D0 = {fit.d0:.2g} cm^2/s")
    Ea = 0.399 +- 0.002 eV, D0 = 0.049 cm^2/s
    >>> print(f"{fit.to_dict()['D_ref']['value']:.2g} cm^2/s at {fit.T_ref_K:.0f} K")
    3.1e-07 cm^2/s at 387 K
    """
    if excess_scatter not in SCATTER_METHODS:
        raise InputError(
            f"excess_scatter must be one of {', '.join(SCATTER_METHODS)}; got {excess_scatter!r}"
        )
    t = np.asarray(temperature_K, dtype=float).ravel()
    dv = np.asarray(d, dtype=float).ravel()
    de = None if d_err is None else np.asarray(d_err, dtype=float).ravel()
    _validate(t, dv, de)
    x, y = 1.0 / t, np.log(dv)
    sig = None if de is None else de / dv
    if reference_T_K is not None and not reference_T_K > 0:
        raise InputError("the reference temperature must be > 0 K")
    lin = linear_wls(x, y, sig)
    coef, cov_line, tau2, applied = lin.coef, lin.cov, 0.0, False
    alt: dict[str, Any] = {}
    if sig is not None:
        alt, re, bi = _alternatives(x, y, sig, lin, unit)
        chosen = {"random_effects": re, "birge": bi}.get(excess_scatter)
        if chosen is not None and chosen.applied:
            coef, cov_line, tau2, applied = chosen.coef, chosen.cov, chosen.tau2, True
    if reference_T_K is None:
        reference_T_K = _central_temperature(x, sig, tau2)
    return ArrheniusResult(
        ln_d0=float(coef[0]),
        ea_eV=float(-K_B_EV * coef[1]),
        cov=_JAC @ cov_line @ _JAC.T,
        chi2=lin.chi2,
        dof=lin.dof,
        error_source="scatter" if sig is None else "given",
        temperature_K=t,
        D=dv,
        D_err=de,
        T_ref_K=float(reference_T_K),
        unit=unit,
        label=label,
        curvature=_curvature_test(x, y, sig, lin),
        scatter_method=excess_scatter,
        scatter_applied=applied,
        tau2=tau2,
        alternatives=alt,
    )
