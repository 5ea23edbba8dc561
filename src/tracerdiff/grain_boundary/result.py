"""Results of the step analysis: one boundary (:class:`StepResult`) and the ratio estimates.

Units: positions um, jumps dimensionless (fraction), gradients 1/cm, k = D_gb/delta cm/s,
D_gb cm^2/s, delta nm (stored) and cm (computed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..quantities import bound, finite_or_none, quantity
from ..results import ResultMixin
from .geometry import geometry_note, normal_factor
from .intervals import Z95, RatioInterval, fieller_interval

__all__ = ["KEstimate", "StepResult", "ratio_estimate"]

NM_TO_CM = 1e-7


@dataclass(frozen=True)
class KEstimate(ResultMixin):
    """k = D_gb/delta (cm/s) from one estimator, with D_gb = k delta (cm^2/s).

    ``k_err`` is the larger half-width of the bounded 95 % Fieller set divided by 1.96, never
    below first-order propagation (``k_err_first_order``, kept for reference): first-order
    errors shrink exactly when noise inflates the denominator, so a "precise" k selected on them
    is biased; ``ci95`` decides whether k is reported as a value or only as a bound.
    """

    estimator: str  # "gradient" (D_b dC/dy / dC_gb) or "flux" (-J / dC_gb)
    k: float
    k_err: float
    ci95: RatioInterval
    delta_nm: float
    k_err_first_order: float = math.nan

    @property
    def bounded(self) -> bool:
        """True when the 95 % set is a finite interval (k is measured, not only bounded)."""
        return self.ci95.kind == "bounded"

    @property
    def relative_error(self) -> float:
        """k_err / |k| (inf when k is 0 or undefined)."""
        return (
            abs(self.k_err / self.k) if self.k not in (0.0,) and math.isfinite(self.k) else math.inf
        )

    def k_quantity(self) -> dict[str, Any]:
        """JSON form of k: a value when the interval is bounded, otherwise a bound."""
        return self._q(1.0, "cm/s")

    def d_gb_quantity(self) -> dict[str, Any]:
        """JSON form of D_gb = k delta (cm^2/s), value or bound like k."""
        return self._q(self.delta_nm * NM_TO_CM, "cm^2/s")

    def _q(self, scale: float, unit: str) -> dict[str, Any]:
        ci = self.ci95
        if ci.kind == "bounded":
            return quantity(self.k * scale, self.k_err * scale, unit)
        if ci.kind == "lower" and ci.lower is not None:
            return bound(
                lower=ci.lower * scale,
                unit=unit,
                note="jump not significant at 95 %: only a lower bound",
            )
        return quantity(None, None, unit, note="not constrained by the data (95 % set unbounded)")

    def to_dict(self) -> dict[str, Any]:
        """Keys: estimator, D_gb_over_delta, D_gb, ci95_D_gb_over_delta, relative_error,
        stderr_first_order (cm/s)."""
        ci = self.ci95.to_dict()
        ci["unit"] = "cm/s"
        return {
            "estimator": self.estimator,
            "D_gb_over_delta": self.k_quantity(),
            "D_gb": self.d_gb_quantity(),
            "ci95_D_gb_over_delta": ci,
            "relative_error": finite_or_none(self.relative_error),
            "stderr_first_order": finite_or_none(self.k_err_first_order),
        }


def ratio_estimate(
    a: float,
    b: float,
    *,
    var_a: float,
    var_b: float,
    cov_ab: float,
    estimator: str,
    delta_nm: float,
) -> KEstimate:
    """k = a / b with first-order error and Fieller's 95 % set."""
    if b == 0 or not math.isfinite(b):
        k = math.nan
        k_err = math.nan
    else:
        k = a / b
        rel2 = (var_a / a**2 if a != 0 else math.inf) + var_b / b**2
        rel2 -= 2 * cov_ab / (a * b) if a != 0 else 0.0
        k_err = abs(k) * math.sqrt(max(rel2, 0.0)) if math.isfinite(rel2) else math.inf
        if a == 0:
            k_err = math.sqrt(var_a) / abs(b)
    ci = fieller_interval(a, b, var_a=var_a, var_b=var_b, cov_ab=cov_ab)
    err = k_err
    if ci.kind == "bounded" and ci.lower is not None and ci.upper is not None and math.isfinite(k):
        half = max(ci.upper - k, k - ci.lower) / Z95
        err = max(k_err, half) if math.isfinite(k_err) else half
    return KEstimate(
        estimator=estimator, k=k, k_err=err, ci95=ci, delta_nm=delta_nm, k_err_first_order=k_err
    )


@dataclass(frozen=True, eq=False)
class StepResult(ResultMixin):
    """The analysis of one grain boundary on one profile.

    Gradients are along the GB normal (the profile gradient times ``normal_factor`` =
    cos(angle - flux_angle) / cos(flux_angle), :mod:`.geometry`), in 1/cm;
    ``jump`` is dC_gb = C(y_gb+) - C(y_gb-).  ``coef_left``/``coef_right`` are the polynomial
    coefficients (intercept, slope per um, curvature per um^2) in u = x - position (um) along the
    profile, used for plotting.  Not analysable boundaries have ``analysable=False`` and a
    ``reason``; their numbers are NaN.
    """

    position_um: float
    position_err_um: float | None
    analysable: bool
    reason: str
    order_left: int
    order_right: int
    n_left: int
    n_right: int
    guard_um: float
    angle_deg: float
    flux_angle_deg: float = 0.0
    jump: float = math.nan
    jump_err: float = math.nan
    grad_left: float = math.nan
    grad_left_err: float = math.nan
    grad_right: float = math.nan
    grad_right_err: float = math.nan
    grad: float = math.nan
    grad_err: float = math.nan
    gradient_method: str = "joint"
    curvature_delta_chi2: float = math.nan
    error_scale: float = 1.0
    chi2_red: float = math.nan
    gradient_estimate: KEstimate | None = None
    flux_estimate: KEstimate | None = None
    flags: tuple[str, ...] = ()
    coef_left: tuple[float, ...] = ()
    coef_right: tuple[float, ...] = ()
    window_left_um: tuple[float, float] = (math.nan, math.nan)
    window_right_um: tuple[float, float] = (math.nan, math.nan)
    data: dict[str, NDArray[np.float64]] = field(default_factory=dict, repr=False)

    @property
    def normal_factor(self) -> float:
        """cos(phi - psi) / cos(psi): profile gradient or flux -> GB-normal one."""
        return normal_factor(self.angle_deg, self.flux_angle_deg)

    @property
    def geometry(self) -> str:
        """The geometric assumption behind :attr:`normal_factor`, in words."""
        return geometry_note(self.angle_deg, self.flux_angle_deg)

    @property
    def preferred(self) -> KEstimate | None:
        """The flux estimate when the gradient is not measurable and a flux was given, else the
        gradient estimate."""
        if self.flux_estimate is not None and (
            self.gradient_estimate is None or "gradient_not_measurable" in self.flags
        ):
            return self.flux_estimate
        return self.gradient_estimate

    @property
    def well_measured(self) -> bool:
        """k measured (bounded 95 % set) to better than 20 % with no physics flag raised against
        the estimator that gave it."""
        best = self.preferred
        if not self.analysable or best is None or not best.bounded:
            return False
        bad = {"uphill", "jump_not_significant", "poor_fit", "angle_unknown"}
        if best.estimator == "flux":
            bad.add("uphill_flux")
        if best.estimator == "gradient":
            bad |= {"gradient_not_measurable", "curvature_mismatch"}
        return bool(best.relative_error < 0.2) and not bad.intersection(self.flags)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (keys documented in docs/grain_boundary.md)."""
        best = self.preferred
        k_json = (
            best.to_dict()
            if best is not None
            else KEstimate(
                "none", math.nan, math.nan, RatioInterval(None, None, "unbounded", 0.95), 0.0
            ).to_dict()
        )
        out: dict[str, Any] = {
            "position": quantity(self.position_um, self.position_err_um, "um"),
            "analysable": self.analysable,
            "reason": self.reason,
            "dC_gb": quantity(self.jump, self.jump_err, ""),
            "dCdy_bulk": quantity(self.grad, self.grad_err, "1/cm"),
            "dCdy_left": quantity(self.grad_left, self.grad_left_err, "1/cm"),
            "dCdy_right": quantity(self.grad_right, self.grad_right_err, "1/cm"),
            "gradient_method": self.gradient_method,
            "curvature_delta_chi2": finite_or_none(self.curvature_delta_chi2),
            "estimator": k_json["estimator"],
            "D_gb_over_delta": k_json["D_gb_over_delta"],
            "D_gb": k_json["D_gb"],
            "ci95_D_gb_over_delta": k_json["ci95_D_gb_over_delta"],
            "flags": list(self.flags),
            "well_measured": self.well_measured,
            "order_left": self.order_left,
            "order_right": self.order_right,
            "n_left": self.n_left,
            "n_right": self.n_right,
            "guard": quantity(self.guard_um, None, "um"),
            "angle_deg": self.angle_deg,
            "flux_angle_deg": self.flux_angle_deg,
            "normal_factor": self.normal_factor,
            "geometry": self.geometry,
            "error_scale": finite_or_none(self.error_scale),
            "chi2_red": finite_or_none(self.chi2_red),
        }
        for name, est in (
            ("gradient_estimate", self.gradient_estimate),
            ("flux_estimate", self.flux_estimate),
        ):
            if est is not None:
                out[name] = est.to_dict()
        return out
