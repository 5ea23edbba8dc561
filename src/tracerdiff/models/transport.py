"""Nernst-Einstein and the Haven ratio.

Units: conductivity in S/cm, temperature in K, number density in cm^-3, D in cm^2/s.
D_sigma = sigma k_B T / (n z^2 e^2); the conductivity form sigma T = A exp(-Ea / k_B T) gives
D_sigma = (A k_B / (n z^2 e^2)) exp(-Ea / k_B T), the same Ea.  H_R = D* / D_sigma.
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
from ..results import Quantity, ResultMixin
from ..units import E_CHARGE_C, K_B_EV, K_B_J
from .arrhenius import ArrheniusResult, linear_wls

__all__ = [
    "HavenResult",
    "NernstEinsteinResult",
    "conductivity_prefactor_to_d0",
    "haven_from_arrhenius",
    "haven_ratio",
    "haven_temperature",
    "nernst_einstein",
    "nernst_einstein_d",
    "nernst_einstein_sigma",
]

FloatArray = NDArray[np.float64]
# sigma [S/cm] k_B T / (n [cm^-3] e^2) in cm^2/s: (S/cm -> S/m: 1e2; cm^-3 -> m^-3: 1e6;
# m^2/s -> cm^2/s: 1e4)  =>  factor 1e2 * 1e4 / 1e6 = 1
_NE_FACTOR = 1.0


def _check_positive(name: str, value: ArrayLike, unit: str) -> None:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise DataError(f"{name} must be finite and > 0 {unit}".strip())


def nernst_einstein_d(
    sigma_S_cm: ArrayLike, temperature_K: ArrayLike, *, density_cm3: float, charge: int = 1
) -> Any:
    """D_sigma (cm^2/s) from conductivity (S/cm) at ``temperature_K`` (K)."""
    _check_positive("sigma", sigma_S_cm, "S/cm")
    _check_positive("temperature", temperature_K, "K")
    _check_positive("number density", density_cm3, "cm^-3")
    if int(charge) == 0:
        raise InputError("the charge number must be non-zero")
    s, t = np.asarray(sigma_S_cm, dtype=float), np.asarray(temperature_K, dtype=float)
    d = _NE_FACTOR * s * K_B_J * t / (density_cm3 * charge**2 * E_CHARGE_C**2)
    return float(d) if np.ndim(d) == 0 else d


def nernst_einstein_sigma(
    d_cm2_s: ArrayLike, temperature_K: ArrayLike, *, density_cm3: float, charge: int = 1
) -> Any:
    """Conductivity (S/cm) from D_sigma (cm^2/s): the inverse of :func:`nernst_einstein_d`."""
    _check_positive("D", d_cm2_s, "cm^2/s")
    per_unit = nernst_einstein_d(1.0, temperature_K, density_cm3=density_cm3, charge=charge)
    s = np.asarray(d_cm2_s, dtype=float) / per_unit
    return float(s) if np.ndim(s) == 0 else s


def conductivity_prefactor_to_d0(a_S_K_cm: float, *, density_cm3: float, charge: int = 1) -> float:
    """D0 of D_sigma (cm^2/s) from A of sigma T = A exp(-Ea/k_B T) (A in S K/cm)."""
    return float(nernst_einstein_d(a_S_K_cm, 1.0, density_cm3=density_cm3, charge=charge))


@dataclass(frozen=True)
class NernstEinsteinResult(ResultMixin):
    """D_sigma from a conductivity (or the reverse), with the inputs."""

    sigma: float
    sigma_err: float | None
    temperature_K: float
    density_cm3: float
    charge: int
    d_sigma: float
    d_sigma_err: float | None

    @property
    def D_sigma(self) -> Quantity:
        """D_sigma (cm^2/s) with its standard error (None without a conductivity error)."""
        return Quantity(self.d_sigma, self.d_sigma_err, "cm^2/s")

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: D_sigma (cm^2/s), sigma, temperature, density, charge."""
        return {
            "D_sigma": quantity(self.d_sigma, self.d_sigma_err, "cm^2/s"),
            "sigma": quantity(self.sigma, self.sigma_err, "S/cm"),
            "temperature": quantity(self.temperature_K, None, "K"),
            "density": quantity(self.density_cm3, None, "cm^-3"),
            "charge": self.charge,
            "relation": "D_sigma = sigma k_B T / (n z^2 e^2)",
        }

    def __str__(self) -> str:
        from .text import nernst_einstein_text

        return nernst_einstein_text(self)


def nernst_einstein(
    sigma_S_cm: float,
    temperature_K: float,
    *,
    density_cm3: float,
    charge: int = 1,
    sigma_err: float | None = None,
) -> NernstEinsteinResult:
    """D_sigma (cm^2/s) from one conductivity value, as a result object.

    >>> r = nernst_einstein(1e-3, 300.0, density_cm3=5e21)  # S/cm, K, carriers per cm^3
    >>> print(f"D_sigma = {r.to_dict()['D_sigma']['value']:.3g} cm^2/s")
    D_sigma = 3.23e-08 cm^2/s
    """
    d = nernst_einstein_d(sigma_S_cm, temperature_K, density_cm3=density_cm3, charge=charge)
    err = None if sigma_err is None else abs(sigma_err) * d / sigma_S_cm
    return NernstEinsteinResult(
        float(sigma_S_cm),
        sigma_err,
        float(temperature_K),
        float(density_cm3),
        int(charge),
        float(d),
        err,
    )


@dataclass(frozen=True)
class HavenResult(ResultMixin):
    """H_R = D* / D_sigma and how it was obtained."""

    haven_ratio: float
    haven_ratio_err: float | None
    method: str
    temperature_K: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON keys: haven_ratio, method, temperature, details, notes."""
        return {
            "haven_ratio": quantity(self.haven_ratio, self.haven_ratio_err, ""),
            "ci95_haven_ratio": self.ci95(),
            "method": self.method,
            "temperature": None
            if self.temperature_K is None
            else quantity(self.temperature_K, None, "K"),
            "details": self.details,
            "notes": list(self.notes),
        }

    @property
    def H_R(self) -> Quantity:
        """The Haven ratio with its standard error (``res.H_R.value``, ``res.H_R.stderr``)."""
        return Quantity(self.haven_ratio, self.haven_ratio_err, "")

    def ci95(self) -> list[float] | None:
        """95 % interval of the headline (Student t where a fit's errors come from its
        scatter); None for two plain values."""
        key = "band_95_shared_ea" if self.method == "joint fit with shared Ea" else "band_95"
        band = self.details.get(key)
        return None if band is None else [float(band[0]), float(band[1])]

    def __str__(self) -> str:
        from .text import haven_text

        return haven_text(self)


def haven_ratio(
    d_tracer: float,
    d_sigma: float,
    *,
    d_tracer_err: float | None = None,
    d_sigma_err: float | None = None,
    prefactors: bool = False,
    temperature_K: float | None = None,
) -> HavenResult:
    """H_R from two values at one temperature (or two D0 with ``prefactors=True``).

    >>> h = haven_ratio(1.0e-9, 2.5e-9, d_tracer_err=0.1e-9, d_sigma_err=0.2e-9)
    >>> print(f"H_R = {h.haven_ratio:.2f} +- {h.haven_ratio_err:.2f} ({h.method})")
    H_R = 0.40 +- 0.05 (ratio of two values at one temperature)
    """
    _check_positive("the tracer D", d_tracer, "cm^2/s")
    _check_positive("D_sigma", d_sigma, "cm^2/s")
    h = d_tracer / d_sigma
    errs = [e / v for e, v in ((d_tracer_err, d_tracer), (d_sigma_err, d_sigma)) if e is not None]
    err = h * math.sqrt(sum(r * r for r in errs)) if errs else None
    notes: tuple[str, ...] = ()
    if prefactors:
        method = "ratio of pre-exponential factors"
        notes = ("equals H_R only when both activation energies are equal",)
    else:
        method = "ratio of two values at one temperature"
    unit = "cm^2/s"
    details = {
        "D_tracer": quantity(d_tracer, d_tracer_err, unit),
        "D_sigma": quantity(d_sigma, d_sigma_err, unit),
    }
    return HavenResult(h, err, method, temperature_K, details, notes)


def _joint_fit(tr: ArrheniusResult, co: ArrheniusResult) -> dict[str, Any]:
    """Fit both sets with one shared Ea; compare with the separate fits.  Each point is
    weighted by its fit's adopted error (given errors plus any random-effects term)."""
    x = np.concatenate([1.0 / tr.temperature_K, 1.0 / co.temperature_K])
    y = np.concatenate([np.log(tr.D), np.log(co.D)])
    s_tr, s_co = tr.ln_sigma_effective, co.ln_sigma_effective
    given = s_tr is not None and s_co is not None
    sig = None
    if s_tr is not None and s_co is not None:
        sig = np.concatenate([s_tr, s_co])
    is_tr = np.r_[np.ones(tr.D.size), np.zeros(co.D.size)]
    a = np.column_stack([is_tr, 1 - is_tr, x])
    w = np.ones_like(y) if sig is None else 1 / sig
    aw, yw = a * w[:, None], y * w
    coef, *_ = np.linalg.lstsq(aw, yw, rcond=None)
    cov = np.linalg.inv(aw.T @ aw)
    chi2_joint = float(np.sum((yw - aw @ coef) ** 2))
    n = y.size
    chi2_sep = 0.0
    for m in (is_tr == 1, is_tr == 0):
        chi2_sep += linear_wls(x[m], y[m], None if sig is None else sig[m]).chi2
    dchi2 = max(chi2_joint - chi2_sep, 0.0)
    if given:
        p, test = float(scipy_stats().chi2.sf(dchi2, 1)), "chi-square difference, 1 dof"
    elif n > 4 and chi2_sep > 0:
        p = float(scipy_stats().f.sf(dchi2 / (chi2_sep / (n - 4)), 1, n - 4))
        test = f"F test (1, {n - 4}) of joint vs separate fits"
        cov = cov * chi2_joint / (n - 3)
    else:
        p, test = math.nan, "not testable (no errors and <= 4 points)"
        cov = cov * (chi2_joint / (n - 3) if n > 3 else math.nan)
    return {
        "coef": coef,
        "cov": cov,
        "p": p,
        "test": test,
        "dchi2": dchi2,
        "chi2_joint": chi2_joint,
        "chi2_separate": chi2_sep,
        "chi2_red": chi2_joint / (n - 3) if n > 3 else None,
    }


def _z95(tr: ArrheniusResult, co: ArrheniusResult) -> float:
    """The 95 % quantile for a ratio of the two fits: the larger of theirs (Student t when
    either fit's errors come from its scatter), 1.96 otherwise."""
    zs = [f._quantile(0.95) for f in (tr, co)]
    return max(z for z in zs if math.isfinite(z)) if any(math.isfinite(z) for z in zs) else 1.96


def _haven_curve(tr: ArrheniusResult, co: ArrheniusResult, n: int = 7) -> list[dict[str, float]]:
    """H_R(T) with its 95 % band over the temperatures both data sets span (K)."""
    temps = np.concatenate([tr.temperature_K, co.temperature_K])
    tt = 1.0 / np.linspace(1.0 / temps.max(), 1.0 / temps.min(), n)
    m1, e1 = tr.ln_d_at(tt)
    m2, e2 = co.ln_d_at(tt)
    lh, le = m1 - m2, np.hypot(e1, e2)
    z = _z95(tr, co)
    return [
        {
            "T_K": float(t),
            "haven_ratio": float(np.exp(a)),
            "lower95": float(np.exp(a - z * e)),
            "upper95": float(np.exp(a + z * e)),
        }
        for t, a, e in zip(tt, lh, le, strict=True)
    ]


def haven_temperature(tracer_T_K: ArrayLike, conductivity_T_K: ArrayLike) -> float:
    """Default temperature (K) of H_R(T): the centre in 1/T of the range both data sets cover
    (of both ranges together when they do not overlap).  Depends on the design only."""
    a, b = np.asarray(tracer_T_K, dtype=float), np.asarray(conductivity_T_K, dtype=float)
    lo, hi = max(a.min(), b.min()), min(a.max(), b.max())
    if lo > hi:
        lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    return float(2.0 / (1.0 / lo + 1.0 / hi))


def _at_temperature(
    tracer: ArrheniusResult, conductivity: ArrheniusResult, temperature_K: float
) -> tuple[float, float, dict[str, Any]]:
    m1, e1 = tracer.ln_d_at(temperature_K)
    m2, e2 = conductivity.ln_d_at(temperature_K)
    h, lerr = float(np.exp(m1[0] - m2[0])), float(np.hypot(e1[0], e2[0]))
    z = _z95(tracer, conductivity)
    return (
        h,
        h * lerr,
        {
            "band_95": [h * math.exp(-z * lerr), h * math.exp(z * lerr)],
            "curve": _haven_curve(tracer, conductivity),
        },
    )


def _shared_ea(
    tracer: ArrheniusResult, conductivity: ArrheniusResult
) -> tuple[float, float, dict[str, Any], str | None]:
    """Joint fit with one Ea: H_R = D0 ratio, details, and why it must not be headlined."""
    j = _joint_fit(tracer, conductivity)
    c, cov = j["coef"], j["cov"]
    lerr = math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    h = math.exp(float(c[0] - c[1]))
    consistent = None if math.isnan(j["p"]) else bool(j["p"] >= 0.05)
    details = {
        "Ea_shared": quantity(-c[2] * K_B_EV, math.sqrt(cov[2, 2]) * K_B_EV, "eV"),
        "D0_tracer": quantity(math.exp(c[0]), math.exp(c[0]) * math.sqrt(cov[0, 0]), "cm^2/s"),
        "D0_conductivity": quantity(
            math.exp(c[1]), math.exp(c[1]) * math.sqrt(cov[1, 1]), "cm^2/s"
        ),
        "haven_ratio_shared_ea": quantity(h, h * lerr, ""),
        "band_95_shared_ea": [
            h * math.exp(-_z95(tracer, conductivity) * lerr),
            h * math.exp(_z95(tracer, conductivity) * lerr),
        ],
        "test": j["test"],
        "delta_chi2": j["dchi2"],
        "p_value": quantity(j["p"], None, ""),
        "shared_ea_consistent": consistent,
        "chi2_red_joint": j["chi2_red"],
    }
    why = None
    if consistent is False:
        why = f"one shared Ea is rejected by the data (p = {j['p']:.2g})"
    for name, f in (("tracer", tracer), ("conductivity", conductivity)):
        if f.curvature.get("non_arrhenius"):
            why = (why + "; " if why else "") + (
                f"the {name} data are curved in 1/T (p = {f.curvature['p_value']:.2g})"
            )
    return h, h * lerr, details, why


def haven_from_arrhenius(
    tracer: ArrheniusResult,
    conductivity: ArrheniusResult,
    *,
    shared_ea: bool = False,
    temperature_K: float | None = None,
) -> HavenResult:
    """H_R from two Arrhenius data sets (tracer D*, conductivity D_sigma).

    ``shared_ea=False``: H_R(T) = D*(T)/D_sigma(T) at ``temperature_K`` (default
    :func:`haven_temperature`), error from the two independent fits.  ``shared_ea=True``: joint
    fit with one Ea, H_R = ratio of the two pre-exponentials -- headlined only when the
    equality test (joint vs separate) and both curvature tests accept it; otherwise H_R(T) with
    its band is the headline and the notes say why (the shared-Ea fit stays in ``details``).
    """
    dea = tracer.ea_eV - conductivity.ea_eV
    details: dict[str, Any] = {
        "Ea_tracer": quantity(tracer.ea_eV, tracer.ea_err, "eV"),
        "Ea_conductivity": quantity(conductivity.ea_eV, conductivity.ea_err, "eV"),
        "Ea_difference": quantity(dea, math.hypot(tracer.ea_err, conductivity.ea_err), "eV"),
    }
    if temperature_K is None:
        temperature_K = haven_temperature(tracer.temperature_K, conductivity.temperature_K)
    h_t, h_t_err, at_t = _at_temperature(tracer, conductivity, temperature_K)
    details.update(at_t)
    method_t = "H_R(T) from separate Arrhenius fits"
    notes = ["band from the two independent fits' covariances"]
    if not shared_ea:
        return HavenResult(h_t, h_t_err, method_t, temperature_K, details, tuple(notes))
    h, h_err, joint, why = _shared_ea(tracer, conductivity)
    details.update(joint)
    if why is None:
        notes = [
            "H_R = ratio of the pre-exponentials of a joint fit with one shared Ea "
            "(consistent with the data)"
        ]
        return HavenResult(h, h_err, "joint fit with shared Ea", None, details, tuple(notes))
    notes = [
        f"shared-Ea value not used: {why}; H_R(T) at {temperature_K:.1f} K with its band "
        "instead (shared-Ea fit in details)",
        *notes,
    ]
    return HavenResult(
        h_t, h_t_err, method_t + " (shared Ea rejected)", temperature_K, details, tuple(notes)
    )
