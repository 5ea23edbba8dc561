"""Profile models for fitting: a pure kernel plus parameter names, units, bounds and a guess.

Positions in um, ``D_eff`` in cm^2/s, ``k_s`` in cm/s, ``M`` in (fraction x um), fractions
dimensionless, time in s.  ``D_eff`` and ``k_s`` are fitted on a log scale.  Each model's
``curve(x_um, p, time_s=)`` takes a mapping of every parameter; ``guess`` reads the data.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import erfcx

from ..errors import InputError
from ..solutions import erfc_profile, exchange_profile, thin_film_profile

__all__ = [
    "MODELS",
    "ErfcModel",
    "ExchangeModel",
    "ProfileModel",
    "ThinFilmModel",
    "fraction_bounds",
    "get_model",
]

_U_HALF = 0.4769362762044699  # erfc(u) = 1/2


@dataclass(frozen=True)
class ProfileModel(ABC):
    """Abstract base: parameter names, units, log-scale set, bounds and default fixed values."""

    name: str = ""
    params: tuple[str, ...] = ()
    units: Mapping[str, str] = field(default_factory=dict)
    log_params: frozenset[str] = frozenset()
    default_fixed: Mapping[str, float] = field(default_factory=dict)

    @abstractmethod
    def curve(self, x_um: NDArray[np.float64], p: Mapping[str, float], *, time_s: float) -> Any:
        """Model values at ``x_um`` for parameters ``p``."""

    def bounds(
        self, x_um: NDArray[np.float64], y: NDArray[np.float64]
    ) -> dict[str, tuple[float, float]]:
        """Natural-unit bounds of every parameter for these data.

        ``C_s`` and ``C_0`` are isotope fractions: bounded by [0, 1] widened to the data's own
        range and by a quarter of that range beyond (:func:`fraction_bounds`), so an estimate
        near a normalised 0 or 1 is never pushed onto a bound by noise or by the staircase of a
        polycrystal (a surface value fitted a little above 1), yet never runs off to values no
        fraction can have (an exchange fit trading a large C_s against a small k_s)."""
        span = float(x_um[-1] - x_um[0])
        ylo, yhi = float(np.nanmin(y)), float(np.nanmax(y))
        pad = max(yhi - ylo, 1e-6)
        fraction = fraction_bounds(y)
        out = {
            "D_eff": (1e-20, 1.0),
            "k_s": (1e-16, 1e4),
            "C_s": fraction,
            "C_0": fraction,
            "x0": (float(x_um[0]) - span, float(x_um[-1])),
            "M": (0.0, 100 * pad * span + 1e-12),
        }
        return {k: out[k] for k in self.params}

    @abstractmethod
    def guess(
        self, x_um: NDArray[np.float64], y: NDArray[np.float64], *, time_s: float
    ) -> dict[str, float]:
        """Data-driven starting values."""


def fraction_bounds(y: NDArray[np.float64]) -> tuple[float, float]:
    """[0, 1] widened to the data's own range, then by a quarter of the data's range: a
    fraction's fitted value may sit a little beyond 0 or 1 (noise, a misfit), and a bound
    there would clamp it and move the other parameters with it."""
    lo, hi = min(0.0, float(np.nanmin(y))), max(1.0, float(np.nanmax(y)))
    margin = 0.25 * max(float(np.nanmax(y) - np.nanmin(y)), 1e-6)
    return lo - margin, hi + margin


def _ends(y: NDArray[np.float64]) -> tuple[float, float]:
    m = max(3, y.size // 10)
    return float(np.median(y[:m])), float(np.median(y[-m:]))


def _half_point_D(
    x_um: NDArray[np.float64],
    y: NDArray[np.float64],
    c_s: float,
    c_0: float,
    x0: float,
    time_s: float,
) -> float:
    """D from where the profile crosses halfway between ``c_s`` and ``c_0`` (erfc(u) = 1/2)."""
    half = 0.5 * (c_s + c_0)
    below = np.nonzero((y - half) * np.sign(c_s - c_0) < 0)[0]
    x_half = float(x_um[below[0]]) if below.size else float(x_um[-1])
    dist_cm = max(x_half - x0, 0.05 * float(x_um[-1] - x_um[0]), 1e-3) * 1e-4
    return dist_cm**2 / (4 * _U_HALF**2 * time_s)


@dataclass(frozen=True)
class ErfcModel(ProfileModel):
    """Constant source (paper eq. 4), surface (meniscus) at ``x0``: held at 0 um unless freed.

    With ``x0`` free the model clamps to ``C_s`` for ``x < x0``; such a fit tends to put the
    surface on the first data point (the kink absorbs it), so the default holds ``x0 = 0``.
    """

    name: str = "erfc"
    params: tuple[str, ...] = ("D_eff", "C_s", "C_0", "x0")
    units: Mapping[str, str] = field(
        default_factory=lambda: {"D_eff": "cm^2/s", "C_s": "", "C_0": "", "x0": "um"}
    )
    log_params: frozenset[str] = frozenset({"D_eff"})
    default_fixed: Mapping[str, float] = field(default_factory=lambda: {"x0": 0.0})

    def curve(self, x_um: NDArray[np.float64], p: Mapping[str, float], *, time_s: float) -> Any:
        return erfc_profile(
            x_um, C_s=p["C_s"], C_0=p["C_0"], D=p["D_eff"], time_s=time_s, x0_um=p["x0"]
        )

    def guess(
        self, x_um: NDArray[np.float64], y: NDArray[np.float64], *, time_s: float
    ) -> dict[str, float]:
        _, c_0 = _ends(y)
        # the surface value from the first three points: a steep profile (D small against the
        # span) is over within the first tenth that _ends averages, and a start at C_0 leaves
        # the optimiser in a local minimum within [0, 1]
        c_s = float(np.median(y[:3]))
        x0 = float(np.clip(0.0, x_um[0] - 0.5 * (x_um[-1] - x_um[0]), x_um[-1]))
        return {
            "D_eff": _half_point_D(x_um, y, c_s, c_0, x0, time_s),
            "C_s": c_s,
            "C_0": c_0,
            "x0": x0,
        }


@dataclass(frozen=True)
class ExchangeModel(ProfileModel):
    """Surface exchange (Crank), surface at ``x0`` (fixed at 0 um unless freed)."""

    name: str = "exchange"
    params: tuple[str, ...] = ("D_eff", "k_s", "C_s", "C_0", "x0")
    units: Mapping[str, str] = field(
        default_factory=lambda: {"D_eff": "cm^2/s", "k_s": "cm/s", "C_s": "", "C_0": "", "x0": "um"}
    )
    log_params: frozenset[str] = frozenset({"D_eff", "k_s"})
    default_fixed: Mapping[str, float] = field(default_factory=lambda: {"x0": 0.0})

    def curve(self, x_um: NDArray[np.float64], p: Mapping[str, float], *, time_s: float) -> Any:
        return exchange_profile(
            x_um,
            C_s=p["C_s"],
            C_0=p["C_0"],
            D=p["D_eff"],
            k_s=p["k_s"],
            time_s=time_s,
            x0_um=p["x0"],
        )

    def guess(
        self, x_um: NDArray[np.float64], y: NDArray[np.float64], *, time_s: float
    ) -> dict[str, float]:
        y_surf, c_0 = _ends(y)
        lo, hi = fraction_bounds(y)
        c_s = c_0 + 1.5 * (y_surf - c_0)  # surface value ~ 2/3 of the bath value
        c_s = float(np.clip(c_s, lo + 1e-3 * (hi - lo), hi - 1e-3 * (hi - lo)))
        d = _half_point_D(x_um, y, y_surf, c_0, 0.0, time_s)
        z = brentq(lambda s: erfcx(s) - 1.0 / 3.0, 1e-6, 1e6)
        return {"D_eff": d, "k_s": z * math.sqrt(d / time_s), "C_s": c_s, "C_0": c_0, "x0": 0.0}


@dataclass(frozen=True)
class ThinFilmModel(ProfileModel):
    """Instantaneous film of ``M`` (fraction x um) on a reflecting surface at ``x0`` (fixed 0)."""

    name: str = "thin-film"
    params: tuple[str, ...] = ("D_eff", "M", "C_0", "x0")
    units: Mapping[str, str] = field(
        default_factory=lambda: {"D_eff": "cm^2/s", "M": "um", "C_0": "", "x0": "um"}
    )
    log_params: frozenset[str] = frozenset({"D_eff"})
    default_fixed: Mapping[str, float] = field(default_factory=lambda: {"x0": 0.0})

    def curve(self, x_um: NDArray[np.float64], p: Mapping[str, float], *, time_s: float) -> Any:
        return thin_film_profile(
            x_um, M_um=p["M"], C_0=p["C_0"], D=p["D_eff"], time_s=time_s, x0_um=p["x0"]
        )

    def guess(
        self, x_um: NDArray[np.float64], y: NDArray[np.float64], *, time_s: float
    ) -> dict[str, float]:
        _, c_0 = _ends(y)
        excess = np.clip(y - c_0, 0.0, None)
        m = float(np.trapezoid(excess, x_um)) + float(excess[0] * max(x_um[0], 0.0))
        if m <= 0:
            m = float(np.ptp(y) * np.ptp(x_um) * 0.1) or 1e-6
        second = float(np.trapezoid(excess * x_um**2, x_um)) * 1e-8  # cm^2 x (fraction um)
        d = (
            second / (2 * time_s * m)
            if second > 0
            else _half_point_D(x_um, y, float(y[0]), c_0, 0.0, time_s)
        )
        return {"D_eff": max(d, 1e-20), "M": m, "C_0": c_0, "x0": 0.0}


MODELS: dict[str, ProfileModel] = {
    "erfc": ErfcModel(),
    "exchange": ExchangeModel(),
    "thin-film": ThinFilmModel(),
}


def get_model(name: str | ProfileModel) -> ProfileModel:
    """A model instance by name (``erfc``, ``exchange``, ``thin-film``) or the instance itself."""
    if isinstance(name, ProfileModel):
        return name
    key = str(name).replace("_", "-").lower()
    if key == "thinfilm":
        key = "thin-film"
    if key not in MODELS:
        raise InputError(f"unknown model {name!r}: expected one of {', '.join(MODELS)}")
    return MODELS[key]
