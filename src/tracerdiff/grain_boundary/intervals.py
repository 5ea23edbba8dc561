"""Confidence intervals for a ratio of two correlated, normally distributed estimates.

Fieller's method: for theta = a / b with estimates (a, b), variances v_aa, v_bb and covariance
v_ab, the confidence set is every theta with (a - theta b)^2 <= z^2 (v_aa - 2 theta v_ab +
theta^2 v_bb).  When b is not significantly different from zero the set is unbounded (two rays or
the whole line): that is reported as such, never replaced by a first-order +- interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..quantities import finite_or_none
from ..results import ResultMixin

__all__ = ["RatioInterval", "fieller_interval"]

Z95 = 1.959963984540054


@dataclass(frozen=True)
class RatioInterval(ResultMixin):
    """A confidence set for a ratio.

    ``kind`` is ``"bounded"`` (lower <= theta <= upper), ``"lower"`` (theta >= lower among
    positive values, the physical ones: the denominator is not significant; the set also holds
    a negative ray, not kept), ``"exclusive"`` (theta <= lower or theta >= upper) or
    ``"unbounded"`` (no constraint).  Units are those of the ratio.
    """

    lower: float | None
    upper: float | None
    kind: str
    level: float
    method: str = "fieller"

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"lower", "upper", "kind", "level", "method"}``."""
        return {
            "lower": finite_or_none(self.lower),
            "upper": finite_or_none(self.upper),
            "kind": self.kind,
            "level": self.level,
            "method": self.method,
        }

    def contains(self, theta: float) -> bool:
        """Whether ``theta`` lies in the confidence set."""
        lo = -math.inf if self.lower is None else self.lower
        hi = math.inf if self.upper is None else self.upper
        if self.kind == "unbounded":
            return True
        if self.kind == "exclusive":
            return theta <= lo or theta >= hi
        return lo <= theta <= hi


def fieller_interval(
    a: float, b: float, *, var_a: float, var_b: float, cov_ab: float = 0.0, z: float = Z95
) -> RatioInterval:
    """Fieller confidence set for ``a / b`` (95 % for the default ``z``).

    ``a`` and ``b`` are estimates with variances ``var_a``, ``var_b`` and covariance ``cov_ab``
    (any consistent units).  A physically positive ratio whose denominator is not significant
    comes back as ``kind="lower"`` (only a lower bound on the positive side).
    """
    level = math.erf(z / math.sqrt(2.0))
    z2 = z * z
    qa = b * b - z2 * var_b
    qb = -2.0 * (a * b - z2 * cov_ab)
    qc = a * a - z2 * var_a
    disc = qb * qb - 4.0 * qa * qc
    if qa > 0:  # denominator significant: a bounded interval
        root = math.sqrt(max(disc, 0.0))
        lo, hi = (-qb - root) / (2 * qa), (-qb + root) / (2 * qa)
        return RatioInterval(lower=lo, upper=hi, kind="bounded", level=level)
    if disc <= 0 or qa == 0:
        return RatioInterval(lower=None, upper=None, kind="unbounded", level=level)
    root = math.sqrt(disc)
    r1, r2 = sorted(((-qb - root) / (2 * qa), (-qb + root) / (2 * qa)))
    # qa < 0: the set is theta <= r1 or theta >= r2
    if r1 < 0 < r2:  # among positive (physical) ratios: theta >= r2
        return RatioInterval(lower=r2, upper=None, kind="lower", level=level)
    return RatioInterval(lower=r1, upper=r2, kind="exclusive", level=level)
