"""What is known about the grains along a profile, and the walk rate it gives.

:class:`GrainStatistics` (grain length along the profile, its spread, the spread of k, D_b and
the width the profile is averaged across) and :func:`walk_rate_from_grains`, the rate q (um) of
the coordinate random walk of :mod:`tracerdiff.fitting.microstructure_error` from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..options_base import MAX_K_SIGMA_LN

__all__ = [
    "LATERAL_CORRELATION",
    "PRIOR_SIGMA_LATERAL",
    "PRIOR_SIGMA_LINE",
    "GrainStatistics",
    "lateral_factor",
    "prior_sigma_ln",
    "walk_rate_from_grains",
]

#: lateral correlation width of the walk in grain lengths: a profile averaged across a strip of
#: ``width`` samples ~width / (3 E[l]) independent walks (steady-state flux solves of 2D
#: Laguerre strips 40, 100 and 200 um high, docs/validation.md)
LATERAL_CORRELATION = 3.0
#: width (sd of ln q) of the prior on q for a line through single grains: the series formula
#: is within 10 % of the walk rate of chains' own series resistances (2000 chains of 200-800
#: um, docs/validation.md); the width is what stated statistics are known to: CV^2(l) from
#: ~100 intercepts and the spread of k from ~20 boundaries give CV^2(l) + CV^2(1/k) to ~27 %
PRIOR_SIGMA_LINE = 0.3
#: extra width for a profile averaged across ``width_um``: the walk rates of 2D strips from
#: their flux solves (40-200 um high, whole and 500 um sub-strips, plain and robust) lie
#: between 0.74x and 1.74x of the lateral-factor value (docs/validation.md)
PRIOR_SIGMA_LATERAL = math.log(1.75)


@dataclass(frozen=True)
class GrainStatistics:
    """What is known about the grains along the profile.

    ``mean_um``, ``sd_um``: grain length along the profile (mean linear intercept; the ECD of
    EBSD when that is all there is); ``k_sigma_ln``: the lognormal spread of the GB conductance
    k (None: unknown); ``d_bulk``: bulk diffusivity D_b in cm^2/s (None: unknown, GB-dominated
    assumed, which can only overstate the error); ``width_um``: the width across which the
    profile is averaged (the height of the strip of a map it was taken from, or the line
    width; None: a line through single grains, the 1D series value, an upper bound);
    ``walk_rate_um``: the walk rate q (um) these grains give along the line when it is known
    otherwise (the evolution fit an initial profile belongs to; None: from the formula).
    """

    mean_um: float
    sd_um: float
    k_sigma_ln: float | None = None
    d_bulk: float | None = None
    width_um: float | None = None
    walk_rate_um: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean_um) and self.mean_um > 0):
            raise InputError(f"grain size must be > 0 um, got {self.mean_um}")
        if not (math.isfinite(self.sd_um) and self.sd_um >= 0):
            raise InputError(f"grain-size spread must be >= 0 um, got {self.sd_um}")
        if self.k_sigma_ln is not None and not (
            math.isfinite(self.k_sigma_ln) and 0 <= self.k_sigma_ln <= MAX_K_SIGMA_LN
        ):
            raise InputError(
                f"spread of k (sigma of ln k) must be in [0, {MAX_K_SIGMA_LN:g}], "
                f"got {self.k_sigma_ln}"
            )
        if self.d_bulk is not None and not (math.isfinite(self.d_bulk) and self.d_bulk > 0):
            raise InputError(f"bulk diffusivity must be > 0 cm^2/s, got {self.d_bulk}")
        if self.width_um is not None and not (math.isfinite(self.width_um) and self.width_um > 0):
            raise InputError(f"profile width must be > 0 um, got {self.width_um}")
        q = self.walk_rate_um
        if q is not None and not (math.isfinite(q) and q > 0):
            raise InputError(f"walk rate must be > 0 um, got {q}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form."""
        return {
            "grain_mean_um": self.mean_um,
            "grain_sd_um": self.sd_um,
            "k_sigma_ln": self.k_sigma_ln,
            "d_bulk_cm2_s": self.d_bulk,
            "width_um": self.width_um,
            "lateral_factor": lateral_factor(self),
            "prior_sigma_ln": prior_sigma_ln(self),
        }


def lateral_factor(grains: GrainStatistics) -> float:
    """Factor (<= 1) on the 1D walk rate for a profile averaged across ``width_um``:
    ``min(1, LATERAL_CORRELATION mean_um / width_um)`` (module text; 1 without a width)."""
    if grains.width_um is None:
        return 1.0
    return min(1.0, LATERAL_CORRELATION * grains.mean_um / grains.width_um)


def prior_sigma_ln(grains: GrainStatistics) -> float:
    """Width (sd of ln q) of the prior the statistics give q: :data:`PRIOR_SIGMA_LINE` for a
    line, with :data:`PRIOR_SIGMA_LATERAL` added in quadrature for a profile of a width."""
    if grains.width_um is None:
        return PRIOR_SIGMA_LINE
    return math.hypot(PRIOR_SIGMA_LINE, PRIOR_SIGMA_LATERAL)


def walk_rate_from_grains(grains: GrainStatistics, d_eff: float, *, with_k: bool = True) -> float:
    """Rate q (um) of the coordinate random walk from grain statistics (module text; the
    stated ``walk_rate_um`` when there is one)."""
    if grains.walk_rate_um is not None:
        return grains.walk_rate_um
    beta = 0.0 if grains.d_bulk is None else min(max(d_eff / grains.d_bulk, 0.0), 1.0)
    cv2 = (grains.sd_um / grains.mean_um) ** 2
    if with_k and grains.k_sigma_ln is not None:
        cv2 += math.expm1(grains.k_sigma_ln**2)
    return grains.mean_um * (1.0 - beta) ** 2 * cv2 * lateral_factor(grains)
