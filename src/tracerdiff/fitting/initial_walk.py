"""The grain-sampling walk rate of an evolution fit from its initial profile.

The walk that sets the error of an evolution fit's D_eff is the one of the line the profiles
share.  The later profiles of a long storage are smooth: what the fit leaves of them carries
little of the walk, and their REML under-states it (on 2D polycrystals after 16 d of storage,
docs/validation.md).  The initial profile (e.g. after the exchange) is steep and carries the
staircase of the grains it crosses, so its own fit's REML is a second estimate of the same
rate.  :func:`initial_walk_rate` fits the initial profile's shape with the erfc and the
surface-exchange models (every shape parameter free, the surface at x = 0; the time only
scales D, which the rate does not depend on), takes the one with the lower AIC and returns the
rate its REML gives (None when neither fit is usable); an erfc initial profile (``initial_mode
= "erfc"``) gives its own fit's rate.  With grain statistics the shape fit's rate is the
maximum of its restricted likelihood times the prior the statistics give the evolution fit
(centred on the rate at the evolution's D_eff, not the shape fit's, whose time is nominal).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..errors import FitError, InputError
from .evolution_model import EvolutionSetup
from .grain_statistics import GrainStatistics
from .profiles import ProfileData, fit_profile
from .result import FitResult

__all__ = ["initial_walk_rate"]

_NOMINAL_TIME_S = 86400.0  # the shape fit's D scales with 1/time; the walk rate does not


def _rate_of(fit: FitResult) -> float | None:
    if fit.status == "failed" or not fit.success:
        return None
    q = fit.microstructure.get("q_um")
    return float(q) if q is not None and math.isfinite(q) and q > 0 else None


def _shape_fit(
    initial: ProfileData, time_s: float, grains: GrainStatistics | None = None
) -> FitResult | None:
    """The lower-AIC usable fit of the erfc and exchange shapes (with the prior of ``grains``
    on its walk rate when given)."""
    best: FitResult | None = None
    mode = "estimate" if grains is None else grains
    for model in ("erfc", "exchange"):
        try:
            # only the walk rate and the AIC are used: no profile-likelihood intervals
            fit = fit_profile(model, initial, time_s=time_s, microstructure=mode, profile_ci=False)
        except (FitError, InputError):
            continue
        if _rate_of(fit) is None and fit.status == "failed":
            continue
        if best is None or (math.isfinite(fit.aic) and fit.aic < best.aic):
            best = fit
    return best


def initial_walk_rate(
    setup: EvolutionSetup,
) -> Callable[[GrainStatistics | None], tuple[float, str] | None]:
    """``q_other`` of :func:`~tracerdiff.fitting.microstructure_error.grain_sampling_error` for
    an evolution fit: the walk rate of the initial profile's own fit (module text), lazily;
    given grain statistics (whose ``walk_rate_um`` is the evolution fit's prior centre), the
    maximum of that fit's restricted likelihood times the same prior."""

    def rate(grains: GrainStatistics | None = None) -> tuple[float, str] | None:
        fit = setup.initial_fit
        if fit is None:
            if setup.initial.x_um.size < 8:
                return None
            fit = _shape_fit(setup.initial, setup.initial_time_s or _NOMINAL_TIME_S, grains)
        if fit is None:
            return None
        q = _rate_of(fit)
        return None if q is None else (q, f"the initial profile's own {fit.model} fit")

    return rate
