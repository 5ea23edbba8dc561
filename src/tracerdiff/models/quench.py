"""Cryo quench check: do diffusion lengths during imaging stay below the spatial resolution?

For each Arrhenius law given (D_b, which relaxes the gradients inside grains and so decides for
maps, and D_eff, which decides for long-range profiles), the
diffusion length sqrt(2 (D(T_stage) t_image + integral of D along the cooling ramp)) is compared
with the resolution, using the fit's nominal D and the upper end of its 95 % band.  Also the
warmest stage temperature that keeps every length below the resolution.  Units: K, s, um,
cm^2/s.  Science.md section 6 (paper: D_eff ~1e-14 cm^2/s at -110 C for 5 h -> 0.2 um).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize

from ..errors import InputError
from ..quantities import quantity
from ..results import ResultMixin
from ..units import K_B_EV
from .arrhenius import ArrheniusResult

__all__ = ["QuenchCheck", "QuenchResult", "bulk_law", "quench_check"]

UM = 1e-4
LEVEL = 0.95


@dataclass(frozen=True)
class QuenchCheck:
    """One diffusivity's lengths (um) at the stage, nominal and at the band's upper end."""

    name: str
    d_stage: float
    d_stage_upper: float
    length_image_um: float
    length_ramp_um: float
    length_total_um: float
    length_total_upper_um: float
    below_resolution: bool
    below_resolution_upper: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form."""
        return {
            "D_stage": quantity(self.d_stage, None, "cm^2/s"),
            "D_stage_upper95": quantity(self.d_stage_upper, None, "cm^2/s"),
            "length_imaging": quantity(self.length_image_um, None, "um"),
            "length_ramp": quantity(self.length_ramp_um, None, "um"),
            "length_total": quantity(self.length_total_um, None, "um"),
            "length_total_upper95": quantity(self.length_total_upper_um, None, "um"),
            "below_resolution": self.below_resolution,
            "below_resolution_upper95": self.below_resolution_upper,
        }


@dataclass(frozen=True)
class QuenchResult(ResultMixin):
    """Quench check of one or more diffusivities."""

    stage_K: float
    time_s: float
    resolution_um: float
    ramp: dict[str, float] | None
    checks: tuple[QuenchCheck, ...]
    warmest_K: float | None
    warmest_upper_K: float | None
    notes: tuple[str, ...] = ()

    @property
    def frozen(self) -> bool:
        """True when every length (upper band) stays below the resolution."""
        return all(c.below_resolution_upper for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: frozen, checks (per diffusivity), warmest_stage_temperature(_upper95)."""

        def tq(v: float | None) -> dict[str, Any]:
            why = "none found: the lengths exceed the resolution even at 10 K" + (
                " (the cooling ramp alone is too long)" if self.ramp else ""
            )
            return quantity(v, None, "K", note=None if v is not None else why)

        return {
            "frozen": self.frozen,
            "stage_temperature": quantity(self.stage_K, None, "K"),
            "time": quantity(self.time_s, None, "s"),
            "resolution": quantity(self.resolution_um, None, "um"),
            "ramp": self.ramp,
            "checks": {c.name: c.to_dict() for c in self.checks},
            "warmest_stage_temperature": tq(self.warmest_K),
            "warmest_stage_temperature_upper95": tq(self.warmest_upper_K),
            "length": "sqrt(2 D t)",
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        from .text import quench_text

        return quench_text(self)


def bulk_law(
    d_ref: float,
    T_ref_K: float,
    ea_eV: float,
    *,
    d_ref_err: float | None = None,
    ea_err: float | None = None,
    label: str = "D_b",
) -> ArrheniusResult:
    """A known Arrhenius law D(T) = d_ref exp(-Ea/k_B (1/T - 1/T_ref)) as an
    :class:`ArrheniusResult` (covariance from the optional standard errors; exact otherwise),
    e.g. the bulk D_b for :func:`quench_check`.  cm^2/s, K, eV."""
    if not (d_ref > 0 and T_ref_K > 0 and ea_eV >= 0):
        raise InputError("the bulk law needs D_ref > 0 cm^2/s, T_ref > 0 K and Ea >= 0 eV")
    s = 0.0 if d_ref_err is None else d_ref_err / d_ref
    e = 0.0 if ea_err is None else ea_err
    x = 1.0 / (K_B_EV * T_ref_K)
    cov = np.array([[s * s + (e * x) ** 2, e * e * x], [e * e * x, e * e]])
    return ArrheniusResult(
        ln_d0=math.log(d_ref) + ea_eV * x,
        ea_eV=ea_eV,
        cov=cov,
        chi2=0.0,
        dof=0,
        error_source="given",
        temperature_K=np.array([T_ref_K]),
        D=np.array([d_ref]),
        D_err=None if d_ref_err is None else np.array([d_ref_err]),
        T_ref_K=T_ref_K,
        label=label,
    )


def _ramp_integral(
    fn: Callable[[np.ndarray], np.ndarray], t_lo: float, ramp: Mapping[str, float] | None
) -> float:
    """Integral of D dt (cm^2) while cooling from ramp['from_K'] to ``t_lo`` at ramp['rate_K_s']."""
    if ramp is None or ramp["from_K"] <= t_lo:
        return 0.0
    temps = np.linspace(t_lo, ramp["from_K"], 2001)
    return float(np.trapezoid(fn(temps), temps) / ramp["rate_K_s"])


def _lengths(
    fit: ArrheniusResult, stage: float, time_s: float, ramp: Mapping[str, float] | None, upper: bool
) -> tuple[float, float, float]:
    """(imaging, ramp, total) lengths in um, nominal or upper band."""

    def fn(t: np.ndarray) -> np.ndarray:
        p = fit.predict(t, level=LEVEL)
        return p.upper if upper else p.D

    d = float(fn(np.array([stage]))[0])
    a_img, a_ramp = d * time_s, _ramp_integral(fn, stage, ramp)
    return (
        math.sqrt(2 * a_img) / UM,
        math.sqrt(2 * a_ramp) / UM,
        math.sqrt(2 * (a_img + a_ramp)) / UM,
    )


def _warmest(
    fits: Mapping[str, ArrheniusResult],
    time_s: float,
    res_um: float,
    ramp: Mapping[str, float] | None,
    upper: bool,
) -> float | None:
    def excess(t: float) -> float:
        return max(_lengths(f, t, time_s, ramp, upper)[2] for f in fits.values()) - res_um

    lo, hi = 10.0, 3000.0
    if excess(lo) >= 0:
        return None
    if excess(hi) <= 0:
        return hi
    return float(optimize.brentq(excess, lo, hi, xtol=1e-3))


def quench_check(
    fits: Mapping[str, ArrheniusResult],
    *,
    stage_K: float,
    time_s: float,
    resolution_um: float,
    ramp_from_K: float | None = None,
    ramp_rate_K_s: float | None = None,
) -> QuenchResult:
    """Check the diffusion lengths of each named Arrhenius law (e.g. {"D_eff": ..., "D_b": ...}).

    Optional cooling ramp from ``ramp_from_K`` (K) at ``ramp_rate_K_s`` (K/s) down to the stage.
    """
    if not fits:
        raise InputError("give at least one Arrhenius fit")
    if not (stage_K > 0 and time_s > 0 and resolution_um > 0):
        raise InputError("stage temperature, time and resolution must be > 0")
    ramp = None
    if (ramp_from_K is None) != (ramp_rate_K_s is None):
        raise InputError("a cooling ramp needs both its start temperature and its rate")
    if ramp_from_K is not None and ramp_rate_K_s is not None:
        if ramp_rate_K_s <= 0:
            raise InputError("the cooling rate must be > 0 K/s")
        ramp = {"from_K": float(ramp_from_K), "rate_K_s": float(ramp_rate_K_s)}
    checks = []
    notes = []
    if "D_b" not in fits:
        notes.append(
            "no D_b given: in a map the in-grain gradient relaxes by D_b (>> D_eff); "
            "give the bulk law for the check that decides"
        )
    for name, fit in fits.items():
        img, rmp, tot = _lengths(fit, stage_K, time_s, ramp, upper=False)
        tot_up = _lengths(fit, stage_K, time_s, ramp, upper=True)[2]
        p = fit.predict(stage_K, level=LEVEL)
        checks.append(
            QuenchCheck(
                name,
                float(p.D[0]),
                float(p.upper[0]),
                img,
                rmp,
                tot,
                tot_up,
                tot < resolution_um,
                tot_up < resolution_um,
            )
        )
    return QuenchResult(
        stage_K,
        time_s,
        resolution_um,
        ramp,
        tuple(checks),
        _warmest(fits, time_s, resolution_um, ramp, upper=False),
        _warmest(fits, time_s, resolution_um, ramp, upper=True),
        tuple(notes),
    )
