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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._lazy import scipy_stats
from ..errors import DataError, InputError
from ..quantities import quantity
from ..results import ResultMixin
from ..units import EV_TO_KJ_PER_MOL, K_B_EV
from .scatter import SCATTER_METHODS, ExcessScatter, excess_scatter_fit

__all__ = [
    "ArrheniusPrediction",
    "ArrheniusResult",
    "fit_arrhenius",
    "linear_wls",
]

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


@dataclass(frozen=True, eq=False)
class ArrheniusPrediction(ResultMixin):
    """D at temperatures, with a two-sided confidence band (``level``) of the fitted line."""

    temperature_K: FloatArray
    D: FloatArray
    lower: FloatArray
    upper: FloatArray
    ln_D_err: FloatArray
    level: float
    unit: str = "cm^2/s"

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form; arrays as lists."""
        return {
            "temperature_K": self.temperature_K.tolist(),
            "D": self.D.tolist(),
            "lower": self.lower.tolist(),
            "upper": self.upper.tolist(),
            "level": self.level,
            "unit": self.unit,
        }


@dataclass(frozen=True, eq=False)
class ArrheniusResult(ResultMixin):
    """A weighted Arrhenius fit.  ``cov`` is the covariance of (ln D0, Ea [eV])."""

    ln_d0: float
    ea_eV: float
    cov: FloatArray
    chi2: float
    dof: int
    error_source: str  #: "given" (weights from D errors) or "scatter" (estimated)
    temperature_K: FloatArray
    D: FloatArray
    D_err: FloatArray | None
    T_ref_K: float
    unit: str = "cm^2/s"
    label: str = ""
    curvature: dict[str, Any] = field(default_factory=dict)
    scatter_method: str = "none"  #: "random_effects", "birge" or "none" (see .scatter)
    scatter_applied: bool = False  #: True when the errors were enlarged for excess scatter
    tau2: float = 0.0  #: random-effects extra variance of ln D (0 unless fitted)
    alternatives: dict[str, Any] = field(default_factory=dict)  #: plain / birge / RE fits

    # --- derived values -------------------------------------------------------------------------
    @property
    def d0(self) -> float:
        """Pre-exponential factor D0 (``unit``)."""
        return math.exp(self.ln_d0)

    @property
    def ea_err(self) -> float:
        """Standard error of Ea (eV)."""
        return float(math.sqrt(self.cov[1, 1]))

    @property
    def ln_d0_err(self) -> float:
        """Standard error of ln D0."""
        return float(math.sqrt(self.cov[0, 0]))

    @property
    def corr_ea_d0(self) -> float:
        """Correlation between Ea and ln D0 (close to +1 for a narrow temperature range)."""
        return float(self.cov[0, 1] / math.sqrt(self.cov[0, 0] * self.cov[1, 1]))

    @property
    def chi2_red(self) -> float:
        """chi^2 per degree of freedom (NaN when dof = 0)."""
        return self.chi2 / self.dof if self.dof > 0 else math.nan

    @property
    def chi2_p(self) -> float:
        """Probability of a chi^2 at least this large if the given errors are right (NaN if
        dof = 0 or the scatter was estimated)."""
        if self.dof <= 0 or self.error_source != "given":
            return math.nan
        return float(scipy_stats().chi2.sf(self.chi2, self.dof))

    @property
    def ln_sigma_effective(self) -> FloatArray | None:
        """Per-point standard error of ln D used for the adopted fit: sqrt((D_err/D)^2 + tau^2)
        (Birge: times the Birge ratio); None without given errors."""
        if self.D_err is None:
            return None
        s = self.D_err / self.D
        if self.scatter_applied and self.scatter_method == "birge":
            return np.asarray(s * math.sqrt(self.chi2_red), dtype=float)
        return np.asarray(np.sqrt(s**2 + self.tau2), dtype=float)

    @property
    def t_intervals(self) -> bool:
        """True when intervals use Student's t (scatter estimated from the residuals)."""
        return self.error_source == "scatter" or self.scatter_applied

    def _quantile(self, level: float) -> float:
        p = 0.5 + level / 2
        if self.t_intervals:
            return float(scipy_stats().t.ppf(p, self.dof)) if self.dof > 0 else math.nan
        return float(scipy_stats().norm.ppf(p))

    def ln_d_at(self, temperature_K: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """ln D and its standard error at ``temperature_K`` (K), from the full covariance."""
        t = np.atleast_1d(np.asarray(temperature_K, dtype=float))
        if np.any(t <= 0):
            raise InputError("temperatures must be > 0 K")
        g = np.stack([np.ones_like(t), -1.0 / (K_B_EV * t)])  # d lnD / d(lnD0, Ea)
        mean = self.ln_d0 - self.ea_eV / (K_B_EV * t)
        var = np.einsum("in,ij,jn->n", g, self.cov, g)
        return mean, np.sqrt(np.maximum(var, 0.0))

    def predict(self, temperature_K: ArrayLike, *, level: float = 0.95) -> ArrheniusPrediction:
        """D at ``temperature_K`` with the ``level`` confidence band (extrapolation allowed)."""
        mean, err = self.ln_d_at(temperature_K)
        z = self._quantile(level)
        return ArrheniusPrediction(
            temperature_K=np.atleast_1d(np.asarray(temperature_K, dtype=float)),
            D=np.exp(mean),
            lower=np.exp(mean - z * err),
            upper=np.exp(mean + z * err),
            ln_D_err=err,
            level=level,
            unit=self.unit,
        )

    def d_ref(self) -> tuple[float, float]:
        """D at the reference temperature and its standard error (``unit``)."""
        mean, err = self.ln_d_at(self.T_ref_K)
        d = float(np.exp(mean[0]))
        return d, d * float(err[0])

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """``level`` interval of "Ea" (eV) or "D0" (``unit``; from ln D0), t or normal."""
        z = self._quantile(level)
        if name == "Ea":
            return self.ea_eV - z * self.ea_err, self.ea_eV + z * self.ea_err
        if name == "D0":
            lo, hi = self.ln_d0 - z * self.ln_d0_err, self.ln_d0 + z * self.ln_d0_err
            return math.exp(lo), math.exp(hi)
        raise InputError(f"no interval for {name!r}; expected 'Ea' or 'D0'")

    def _note(self) -> str | None:
        if self.error_source != "given":
            return "no D errors given: scatter estimated from the residuals"
        if self.dof > 0 and self.chi2_p < 0.01:
            how = {
                "random_effects": f"a random-effects term (tau = {math.sqrt(self.tau2):.3g} "
                "in ln D) added to every point's error",
                "birge": f"the covariance scaled by chi2_red (Birge ratio "
                f"{math.sqrt(self.chi2_red):.3g})",
            }.get(self.scatter_method)
            tail = (
                f"the errors of Ea, D0 and D_ref include {how}; the plain fit is in 'plain'"
                if how and self.scatter_applied
                else "the stated uncertainties are too small"
            )
            return (
                f"the scatter exceeds the given D errors (chi2_red = {self.chi2_red:.3g}, "
                f"p = {self.chi2_p:.2g}): {tail}"
            )
        return None

    def error_method(self) -> str:
        """How the adopted standard errors were obtained (recorded in the JSON)."""
        if self.error_source == "scatter":
            return "scatter estimated from the residuals (no errors given), Student t intervals"
        if self.scatter_applied and self.scatter_method == "random_effects":
            return (
                "given errors plus a random-effects variance tau^2 (Paule-Mandel), "
                "Student t intervals"
            )
        if self.scatter_applied and self.scatter_method == "birge":
            return "given errors scaled by the Birge ratio sqrt(chi2_red), Student t intervals"
        return "given errors"

    def __str__(self) -> str:
        from .text import arrhenius_text

        return arrhenius_text(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain: Ea (eV), D0, corr_Ea_D0, D_ref at T_ref, chi2_red and the method."""
        d_ref, d_ref_err = self.d_ref()
        note = self._note()
        lo, hi = self.interval("Ea")
        d0_lo, d0_hi = self.interval("D0")
        out: dict[str, Any] = {
            "label": self.label,
            "Ea": quantity(self.ea_eV, self.ea_err, "eV"),
            "Ea_kJ_per_mol": quantity(
                self.ea_eV * EV_TO_KJ_PER_MOL, self.ea_err * EV_TO_KJ_PER_MOL, "kJ/mol"
            ),
            "D0": quantity(
                self.d0, self.d0 * self.ln_d0_err, self.unit, note="stderr from ln D0 (first order)"
            ),
            "ln_D0": quantity(self.ln_d0, self.ln_d0_err, ""),
            "ci95_Ea": [lo, hi],
            "ci95_D0": [d0_lo, d0_hi],
            "corr_Ea_D0": self.corr_ea_d0,
            "cov_lnD0_Ea": self.cov.tolist(),
            "T_ref": quantity(self.T_ref_K, None, "K"),
            "D_ref": quantity(d_ref, d_ref_err, self.unit),
            "chi2": self.chi2,
            "dof": self.dof,
            "chi2_red": quantity(self.chi2_red, None, ""),
            "chi2_p_value": quantity(self.chi2_p, None, ""),
            "error_source": self.error_source,
            "error_method": self.error_method(),
            "scatter_method": self.scatter_method,
            "n_points": int(self.temperature_K.size),
            "curvature": self.curvature,
            **self.alternatives,
            "data": {
                "T_K": self.temperature_K.tolist(),
                "D": self.D.tolist(),
                "D_err": None if self.D_err is None else self.D_err.tolist(),
            },
        }
        if note:
            out["note"] = note
        return out


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
    lin = linear_wls(x, y, sig)
    coef, cov_line, tau2, applied = lin.coef, lin.cov, 0.0, False
    alt: dict[str, Any] = {}
    if sig is not None:
        alt, re, bi = _alternatives(x, y, sig, lin, unit)
        chosen = {"random_effects": re, "birge": bi}.get(excess_scatter)
        if chosen is not None and chosen.applied:
            coef, cov_line, tau2, applied = chosen.coef, chosen.cov, chosen.tau2, True
    cov = _JAC @ cov_line @ _JAC.T
    if reference_T_K is None:
        w = np.ones_like(x) if sig is None else 1.0 / (sig**2 + tau2)
        reference_T_K = 1.0 / float(np.sum(w * x) / np.sum(w))
    elif reference_T_K <= 0:
        raise InputError("the reference temperature must be > 0 K")
    return ArrheniusResult(
        ln_d0=float(coef[0]),
        ea_eV=float(-K_B_EV * coef[1]),
        cov=cov,
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
