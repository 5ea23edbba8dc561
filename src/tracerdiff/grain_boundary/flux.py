"""The flux J at a grain boundary for the second estimator k = -J / dC_gb.

J is the flux of the isotope fraction along +x (tracer entering at x = 0 moves to +x: J > 0 and
dC_gb < 0), in cm/s (fraction x cm/s).  Sources:

* a fitted long-range model: J = -D_eff dC/dx of the coarse curve (:func:`flux_from_gradient`),
  or any callable ``position_um -> (J, J_err)``;
* two profiles of the same field at times t1 < t2 (:func:`flux_from_two_profiles`): with the far
  end closed (no flux), J(y) = int_y^L dC/dt dy' (continuity dC/dt = -dJ/dy), i.e. the time
  derivative integrated from the far end.  J is the mean over [t1, t2]: pair it with the jump of
  the mean of the two profiles (or of a profile taken halfway).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import DataError, InputError, ShapeMismatchError
from ..quantities import finite_or_none, jsonable, quantity
from ..results import ResultMixin
from .flux_far_end import CM_PER_UM, erfc_far_end_flux

__all__ = [
    "FluxProfile",
    "TwoMapFlux",
    "erfc_far_end_flux",
    "flux_from_gradient",
    "flux_from_two_profiles",
    "two_map_flux",
]


@dataclass(frozen=True, eq=False)
class FluxProfile(ResultMixin):
    """J(x) (cm/s) and its standard error at the bin edges ``x_um`` (um); callable as the
    ``flux`` argument of :func:`tracerdiff.grain_boundary.analyze_steps`."""

    x_um: NDArray[np.float64]
    J: NDArray[np.float64]
    J_err: NDArray[np.float64]
    method: str

    def __call__(self, position_um: float) -> tuple[float, float]:
        """(J, J_err) in cm/s at ``position_um`` (linear interpolation between edges)."""
        if not (self.x_um[0] <= position_um <= self.x_um[-1]):
            raise InputError(f"position {position_um} um is outside the flux profile")
        j = float(np.interp(position_um, self.x_um, self.J))
        e = float(np.interp(position_um, self.x_um, self.J_err))
        return j, e

    def to_dict(self) -> dict[str, Any]:
        """Keys: method, x_um, J (cm/s), J_err (cm/s)."""
        return {
            "method": self.method,
            "x_um": jsonable(self.x_um),
            "J": jsonable(self.J),
            "J_err": jsonable(self.J_err),
            "unit": "cm/s",
        }


def flux_from_gradient(
    gradient_per_cm: float, gradient_err: float, *, d_eff: float, d_eff_err: float = 0.0
) -> tuple[float, float]:
    """J = -D_eff dC/dx (cm/s) from the gradient (1/cm) of a fitted coarse (long-range) curve at
    the GB and the effective diffusivity (cm^2/s) of that fit; returns (J, J_err).

    Caution: the local flux at one GB departs from a smooth long-range model by the local GB
    resistances; ``gradient_err`` must carry that model error, or per-GB intervals are too
    narrow (docs/grain_boundary.md, known limits).  Prefer :func:`flux_from_two_profiles`."""
    if not d_eff > 0:
        raise InputError(f"D_eff must be positive (cm^2/s), got {d_eff}")
    j = -d_eff * gradient_per_cm
    err = math.hypot(d_eff * gradient_err, gradient_per_cm * d_eff_err)
    return j, err


def flux_from_two_profiles(
    x_um: ArrayLike,
    C1: ArrayLike,
    C1_err: ArrayLike,
    C2: ArrayLike,
    C2_err: ArrayLike,
    *,
    dt_s: float,
    closed_end: str = "right",
) -> FluxProfile:
    """J(x) from the change between two profiles on one grid (bins of equal pitch), the far end
    ``closed_end`` ("right" or "left") without flux.  ``dt_s`` = t2 - t1 in s.  Errors assume
    independent points (cumulative sum of variances)."""
    x = np.asarray(x_um, dtype=float)
    arrs = [np.asarray(a, dtype=float) for a in (C1, C1_err, C2, C2_err)]
    if any(a.shape != x.shape for a in arrs) or x.ndim != 1 or x.size < 3:
        raise ShapeMismatchError("x_um, C1, C1_err, C2, C2_err must be 1D of one length (>= 3)")
    if not (math.isfinite(dt_s) and dt_s > 0):
        raise InputError(f"dt must be positive (s), got {dt_s}")
    if closed_end not in ("right", "left"):
        raise InputError(f"closed_end must be 'right' or 'left', got {closed_end!r}")
    c1, e1, c2, e2 = arrs
    dc, var = c2 - c1, e1**2 + e2**2
    if not np.all(np.isfinite(dc) & np.isfinite(var)):
        raise DataError("the two profiles must be finite everywhere to integrate dC/dt")
    pitch = np.diff(x)
    if np.any(pitch <= 0) or np.ptp(pitch) > 1e-6 * pitch.mean():
        raise InputError("flux from two profiles needs one uniform, increasing grid")
    h_cm = float(pitch.mean()) * CM_PER_UM
    edges = np.concatenate([x - pitch.mean() / 2, [x[-1] + pitch.mean() / 2]])
    rate, rvar = dc * h_cm / dt_s, var * (h_cm / dt_s) ** 2
    if closed_end == "right":  # J(edge_i) = sum over bins right of the edge
        J = np.concatenate([np.cumsum(rate[::-1])[::-1], [0.0]])
        V = np.concatenate([np.cumsum(rvar[::-1])[::-1], [0.0]])
    else:  # J(edge_i) = -sum over bins left of the edge
        J = -np.concatenate([[0.0], np.cumsum(rate)])
        V = np.concatenate([[0.0], np.cumsum(rvar)])
    return FluxProfile(
        x_um=edges, J=J, J_err=np.sqrt(V), method=f"two profiles, {closed_end} end closed"
    )


@dataclass(frozen=True, eq=False)
class TwoMapFlux(ResultMixin):
    """The flux estimator's input from two maps (profiles of one line at t1 < t2 = t1 + dt).

    ``flux`` J(x) (cm/s), the mean over [t1, t2]; ``C_mean``/``C_mean_err`` the mean profile
    the jumps should be taken from; ``end`` how the integration was anchored: "left" or
    "right" (that end closed: J = 0 there, exact for a sample edge without supply, e.g. a
    storage or anneal after the exchange), or "estimated" (J at the far end from a long-range
    erfc fit of both profiles, with its error carried); ``far_end_flux`` that anchor (cm/s,
    0 for a closed end); ``checks`` the data tests of the assumption; ``flags`` raised on every
    boundary analysed with this flux when the assumption is not met."""

    flux: FluxProfile
    C_mean: NDArray[np.float64]
    C_mean_err: NDArray[np.float64]
    end: str
    far_end_flux: tuple[float, float]
    checks: dict[str, Any]
    flags: tuple[str, ...]

    def flag(self, results: list[Any]) -> list[Any]:
        """``results`` (:class:`~tracerdiff.grain_boundary.StepResult`) with :attr:`flags`
        added to each analysed boundary."""
        import dataclasses

        if not self.flags:
            return list(results)
        return [
            dataclasses.replace(r, flags=tuple(r.flags) + self.flags) if r.analysable else r
            for r in results
        ]

    def to_dict(self) -> dict[str, Any]:
        """Keys: method, end, far_end_flux {value, stderr, unit}, checks, flags."""
        return {
            "method": self.flux.method,
            "end": self.end,
            "far_end_flux": quantity(*self.far_end_flux, "cm/s"),
            **self.checks,
            "flags": list(self.flags),
        }


#: a drop of the surface fraction between the maps, as a share of the first profile's contrast,
#: that says the source was not on during both (significant at 3 sigma as well)
SOURCE_DROP_TOLERANCE = 0.05


def _end_checks(
    J: FluxProfile,
    c1: NDArray[np.float64],
    c2: NDArray[np.float64],
    v: NDArray[np.float64],
    end: str,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Tests of the anchoring assumption from the data; flags when it is not met."""
    n = min(5, c1.size)
    checks: dict[str, Any] = {}
    flags: list[str] = []
    if end == "right":  # the far end must not have changed
        far = slice(c1.size - n, None)
        dc, err = float(np.mean(c2[far] - c1[far])), float(np.sqrt(np.sum(v[far]))) / n
        checks["far_end_dC"] = quantity(dc, err, "")
        checks["far_end_changed"] = bool(abs(dc) > 3 * err)
        if checks["far_end_changed"]:
            flags.append("flux_far_end_open")
    if end == "estimated":  # the source holds the surface: it must not have drained
        near = slice(0, n)
        dc, err = float(np.mean(c2[near] - c1[near])), float(np.sqrt(np.sum(v[near]))) / n
        checks["surface_dC"] = quantity(dc, err, "")
        contrast = abs(float(np.nanmean(c1[near]) - np.nanmean(c1[c1.size - n :])))
        if dc < -3 * err and -dc > SOURCE_DROP_TOLERANCE * contrast:
            flags.append("flux_source_off")
    # the flux at the other end follows from the integration: tracer moves down the gradient
    other = J.J[0] if end != "left" else J.J[-1]
    other_err = J.J_err[0] if end != "left" else J.J_err[-1]
    checks["other_end_flux"] = quantity(float(other), float(other_err), "cm/s")
    if other < -3 * other_err:
        flags.append("flux_end_inconsistent")
    return checks, tuple(flags)


def _time_averaged(
    flux: FluxProfile,
    x: NDArray[np.float64],
    arrs: list[NDArray[np.float64]],
    end: str,
    t1_s: float | None,
    dt_s: float,
) -> tuple[FluxProfile, dict[str, Any]]:
    """J / f(x) with f the time-average factor of the jumps (:mod:`.flux_time`)."""
    from .flux_time import time_average_factor

    edge_um = float(x[0] - 0.5 * (x[1] - x[0]))
    ta = time_average_factor(
        x - edge_um,
        *arrs,
        edge="closed" if end == "left" else "source",
        x_out=flux.x_um - edge_um,
        t1_s=t1_s,
        dt_s=dt_s,
    )
    f, fe = ta.factor, ta.factor_err
    with np.errstate(invalid="ignore", divide="ignore"):
        J = flux.J / f
        err = np.hypot(flux.J_err / f, flux.J * fe / f**2)
    info = {
        "method": "coarse model: erfc of the first map evolved to the second",
        "erfc_length": quantity(ta.a_um, None, "um"),
        "D_eff_dt": quantity(ta.b_um2 * 1e-8, ta.b_err_um2 * 1e-8, "cm^2"),
        "factor_range": [finite_or_none(float(np.nanmin(f))), finite_or_none(float(np.nanmax(f)))],
    }
    return FluxProfile(
        x_um=flux.x_um,
        J=J,
        J_err=err,
        method=flux.method + ", jumps time-averaged by a coarse model",
    ), info


def two_map_flux(
    x_um: ArrayLike,
    C1: ArrayLike,
    C1_err: ArrayLike,
    C2: ArrayLike,
    C2_err: ArrayLike,
    *,
    dt_s: float,
    closed_end: str | None = None,
    t1_s: float | None = None,
    time_average: str = "model",
) -> TwoMapFlux:
    """J(x) for the flux estimator from two profiles of one line (:class:`TwoMapFlux`).

    ``closed_end`` "left" or "right": integrate from that closed end (exact when it is a sample
    edge without supply over [t1, t2], e.g. storage after the exchange with the profile starting
    at the immersed edge: "left").  Otherwise ``t1_s`` (time of the first profile since the
    source was applied, source on until t2) anchors the right end with the flux from a joint
    erfc fit.  The data test the assumption (``checks``); every boundary analysed with a flux
    whose assumption fails gets the ``flags``.  ``time_average`` "model" (default): J is divided
    by f(x) = <dC_gb>_t / mean of the two maps' jumps from a coarse model
    (:mod:`.flux_time`), so that k = -J / dC_gb of the mean profile is the time-mean ratio; the
    profile must start at the sample edge (x = 0); "endpoints": no correction (maps close in
    time).  With ``closed_end="right"`` no model applies and the endpoints are used."""
    if time_average not in ("model", "endpoints"):
        raise InputError(f"time_average must be 'model' or 'endpoints', got {time_average!r}")
    x = np.asarray(x_um, dtype=float)
    arrs = [np.asarray(a, dtype=float) for a in (C1, C1_err, C2, C2_err)]
    if closed_end is None and t1_s is None:
        raise InputError("give the closed end ('left'/'right') or the time of the first profile")
    if t1_s is not None and not (math.isfinite(t1_s) and t1_s > 0):
        raise InputError(f"the time of the first profile must be positive (s), got {t1_s}")
    base = flux_from_two_profiles(x, *arrs, dt_s=dt_s, closed_end=closed_end or "right")
    c1, e1, c2, e2 = arrs
    v = e1**2 + e2**2
    far, far_err = 0.0, 0.0
    extra: dict[str, Any] = {}
    if closed_end is None:
        assert t1_s is not None
        far, far_err, extra = erfc_far_end_flux(x, (c1, e1, c2, e2), t1_s=t1_s, dt_s=dt_s)
        base = FluxProfile(
            x_um=base.x_um,
            J=base.J + far,
            J_err=np.hypot(base.J_err, far_err),
            method="two profiles, right-end flux from an erfc fit of both",
        )
    end = closed_end or "estimated"
    checks, flags = _end_checks(base, c1, c2, v, "right" if end == "right" else end)
    checks.update(extra)
    if time_average == "model" and end != "right":
        base, checks["time_average"] = _time_averaged(base, x, arrs, end, t1_s, dt_s)
    else:
        checks["time_average"] = "endpoints (mean of the two maps' jumps)"
    return TwoMapFlux(
        flux=base,
        C_mean=0.5 * (c1 + c2),
        C_mean_err=0.5 * np.sqrt(v),
        end=end,
        far_end_flux=(far, far_err),
        checks=checks,
        flags=flags,
    )
