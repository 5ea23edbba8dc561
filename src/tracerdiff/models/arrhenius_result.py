"""The result of a weighted Arrhenius fit (:func:`tracerdiff.models.fit_arrhenius`) and its
predictions: Ea (eV) and ln D0 with their covariance, D at any temperature with a confidence
band, the excess-scatter treatment and the curvature test, JSON-plain and as text.

Units: temperatures in K, D (and D0) in ``unit`` (cm^2/s unless stated), energies in eV.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._lazy import scipy_stats
from ..errors import InputError
from ..quantities import quantity
from ..results import Quantity, ResultMixin
from ..units import EV_TO_KJ_PER_MOL, K_B_EV

__all__ = ["ArrheniusPrediction", "ArrheniusResult"]

FloatArray = NDArray[np.float64]


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
    def Ea(self) -> Quantity:
        """Ea (eV) with its standard error (``res.Ea.value``, ``res.Ea.stderr``)."""
        return Quantity(self.ea_eV, self.ea_err, "eV")

    @property
    def D0(self) -> Quantity:
        """D0 (``unit``); stderr from that of ln D0 to first order, as in the JSON."""
        return Quantity(self.d0, self.d0 * self.ln_d0_err, self.unit)

    @property
    def D_ref(self) -> Quantity:
        """D at the reference temperature ``T_ref_K`` (``unit``), uncorrelated with Ea."""
        d, err = self.d_ref()
        return Quantity(d, err, self.unit)

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
