"""Conductivities, grain-boundary specific conductivity and D_sigma from a circuit fit.

With thickness d (cm) and electrode area A (cm^2) (science.md section 11):
sigma_bulk = d / (A R_bulk), sigma_gb_apparent = d / (A R_gb),
sigma_total = d / (A (R_bulk + R_gb)); brick layer: sigma_gb_specific = sigma_gb_apparent
C_bulk / C_gb (equal permittivities) or sigma_gb_apparent delta / l (GB thickness and grain
size given).  Nernst-Einstein D_sigma = sigma k_B T / (n z^2 e^2) for each; the GB value from
the apparent conductivity is (l/delta) D_sigma,gb, compared with the tracer's l k.

Errors: first-order propagation (delta method) through the fit's full covariance, so R_bulk
and R_gb, and R, Q, n inside each capacitance, keep their correlations; the thickness and area
errors enter as independent variances.  Method recorded as ``delta method``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..models.transport import nernst_einstein_d
from .assign import Assignment
from .capacitance import brug_capacitance
from .result import CircuitFit

__all__ = ["Derived", "Geometry", "derive_quantities"]

FloatArray = NDArray[np.float64]
Value = tuple[float, float | None, str]  # value, stderr, unit


@dataclass(frozen=True)
class Geometry:
    """Sample thickness (cm), electrode area (cm^2) and their standard errors."""

    thickness_cm: float
    area_cm2: float
    thickness_err_cm: float | None = None
    area_err_cm2: float | None = None

    def __post_init__(self) -> None:
        for name, v in (("thickness", self.thickness_cm), ("area", self.area_cm2)):
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"the {name} must be finite and > 0")

    @property
    def cell_constant_per_cm(self) -> float:
        """d / A in 1/cm."""
        return self.thickness_cm / self.area_cm2


@dataclass(frozen=True)
class Derived:
    """Named derived quantities (value, stderr, unit) in the order they were computed."""

    values: dict[str, Value]
    notes: tuple[str, ...]
    method: str = "delta method"


def _theta(
    fit: CircuitFit,
    geometry: Geometry | None,
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """theta, its covariance (fixed parameters: 0) and which entries have unknown errors."""
    cov = np.where(np.isnan(fit.cov), 0.0, fit.cov)
    unknown = fit.unknown_variance()
    if geometry is None:
        return np.asarray(fit.values, dtype=float), cov, unknown
    n = fit.values.size
    full = np.zeros((n + 2, n + 2))
    full[:n, :n] = cov
    full[n, n] = (geometry.thickness_err_cm or 0.0) ** 2
    full[n + 1, n + 1] = (geometry.area_err_cm2 or 0.0) ** 2
    theta = np.r_[fit.values, geometry.thickness_cm, geometry.area_cm2]
    return theta, full, np.r_[unknown, False, False]


def _propagate(
    fun: Callable[[FloatArray], float],
    theta: FloatArray,
    cov: FloatArray,
    unknown: NDArray[np.bool_],
) -> tuple[float, float | None]:
    """Value and first-order error; None when the value depends on a parameter whose error
    is unknown."""
    v = float(fun(theta))
    g = np.zeros_like(theta)
    for i in np.flatnonzero((np.diag(cov) > 0) | unknown):
        h = 1e-6 * max(abs(theta[i]), 1e-300)
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        g[i] = (fun(tp) - fun(tm)) / (2 * h)
    if np.any(np.abs(g[unknown] * theta[unknown]) > 1e-9 * max(abs(v), 1e-300)):
        return v, None
    var = float(g @ cov @ g)
    return v, (math.sqrt(var) if math.isfinite(var) and var > 0 else None)


def _c_fun(fit: CircuitFit, r: str, c: str) -> Callable[[FloatArray], float]:
    ir = fit.parameters.index(r)
    if c.startswith("CPE"):
        iq, i_n = fit.parameters.index(f"{c}_Q"), fit.parameters.index(f"{c}_n")
        return lambda t: brug_capacitance(t[iq], t[i_n], t[ir])
    ic = fit.parameters.index(c)
    return lambda t: float(t[ic])


def _functions(
    fit: CircuitFit,
    a: Assignment,
    geometry: Geometry | None,
) -> dict[str, tuple[Callable[[FloatArray], float], str]]:
    """The quantities to compute, each a function of theta = (fit values[, d, A])."""
    p = fit.parameters
    out: dict[str, tuple[Callable[[FloatArray], float], str]] = {}
    ib = p.index(a.bulk_r) if a.bulk_r else None
    ig = p.index(a.gb_r) if a.gb_r else None
    if ib is not None:
        out["R_bulk"] = (lambda t: float(t[ib]), "ohm")
    if ig is not None:
        out["R_gb"] = (lambda t: float(t[ig]), "ohm")
    if a.bulk_arc is not None:
        out["C_bulk"] = (_c_fun(fit, a.bulk_arc.r_name, a.bulk_arc.c_name), "F")
    if a.gb_arc is not None:
        out["C_gb"] = (_c_fun(fit, a.gb_arc.r_name, a.gb_arc.c_name), "F")
    if geometry is None:
        return out
    n = len(p)

    def cell(t: FloatArray) -> float:
        return float(t[n] / t[n + 1])

    if ib is not None:
        out["sigma_bulk"] = (lambda t: cell(t) / t[ib], "S/cm")
    if ig is not None:
        out["sigma_gb_apparent"] = (lambda t: cell(t) / t[ig], "S/cm")
    if ib is not None and ig is not None:
        out["sigma_total"] = (lambda t: cell(t) / (t[ib] + t[ig]), "S/cm")
    return out


def _specific(
    fit: CircuitFit,
    a: Assignment,
    funcs: dict[str, tuple[Callable[..., float], str]],
    delta_over_l: float | None,
) -> tuple[str, ...]:
    """Add the brick-layer specific GB conductivities; returns notes."""
    if "sigma_gb_apparent" not in funcs:
        return ()
    app = funcs["sigma_gb_apparent"][0]
    notes = []
    if "C_bulk" in funcs and "C_gb" in funcs:
        cb, cg = funcs["C_bulk"][0], funcs["C_gb"][0]
        funcs["sigma_gb_specific_capacitance"] = (lambda t: app(t) * cb(t) / cg(t), "S/cm")
    if delta_over_l is not None:
        funcs["sigma_gb_specific_delta_l"] = (lambda t: app(t) * delta_over_l, "S/cm")
    if "sigma_gb_specific_delta_l" in funcs:
        funcs["sigma_gb_specific"] = funcs["sigma_gb_specific_delta_l"]
        notes.append(
            "sigma_gb_specific = sigma_gb_apparent delta/l (brick layer, delta and "
            "grain size given; their spread is not propagated)"
        )
    elif "sigma_gb_specific_capacitance" in funcs:
        funcs["sigma_gb_specific"] = funcs["sigma_gb_specific_capacitance"]
        notes.append(
            "sigma_gb_specific = sigma_gb_apparent C_bulk/C_gb (brick layer, equal "
            "bulk and GB permittivities assumed)"
        )
    return tuple(notes)


def _nernst_einstein(
    values: dict[str, Value], temperature_K: float, density_cm3: float, charge: int
) -> None:
    per = nernst_einstein_d(1.0, temperature_K, density_cm3=density_cm3, charge=charge)
    for key, d_key in (
        ("sigma_bulk", "D_sigma_bulk"),
        ("sigma_total", "D_sigma_total"),
        ("sigma_gb_apparent", "D_sigma_gb_apparent"),
        ("sigma_gb_specific", "D_sigma_gb_specific"),
    ):
        if key in values:
            v, e, _ = values[key]
            values[d_key] = (v * per, None if e is None else e * per, "cm^2/s")


def derive_quantities(
    fit: CircuitFit,
    assignment: Assignment,
    *,
    geometry: Geometry | None = None,
    temperature_K: float | None = None,
    density_cm3: float | None = None,
    charge: int = 1,
    delta_nm: float | None = None,
    grain_size_um: float | None = None,
) -> Derived:
    """Resistances, capacitances and (with ``geometry``) conductivities with errors; D_sigma
    when ``temperature_K`` and ``density_cm3`` are given."""
    if (delta_nm is None) != (grain_size_um is None):
        raise InputError("the delta/l route needs both delta_nm and grain_size_um")
    dl = (
        None
        if delta_nm is None or grain_size_um is None
        else (delta_nm * 1e-7) / (grain_size_um * 1e-4)
    )
    funcs = _functions(fit, assignment, geometry)
    notes = list(_specific(fit, assignment, funcs, dl))
    theta, cov, unknown = _theta(fit, geometry)
    values: dict[str, Value] = {}
    for key, (fun, unit) in funcs.items():
        v, e = _propagate(fun, theta, cov, unknown)
        values[key] = (v, e, unit)
    if any(values[k][1] is None for k in values) and np.any(unknown):
        notes.append("quantities that depend on an undetermined parameter have no error")
    if geometry is None:
        notes.append("no thickness and area: resistances and capacitances only")
    elif temperature_K is not None and density_cm3 is not None:
        _nernst_einstein(values, temperature_K, density_cm3, charge)
    else:
        notes.append("D_sigma needs the temperature and the carrier density")
    return Derived(values, tuple(notes))
