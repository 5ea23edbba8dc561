"""Analytic solutions of 1D tracer diffusion (pure kernels on arrays).

Units at this API: positions ``x_um`` (and offsets ``x0_um``, lengths ``L_um``) in micrometres,
diffusivities ``D`` in cm^2/s, surface exchange coefficients ``k_s`` in cm/s, times in s.  Inside,
positions are converted with 1 um = 1e-4 cm so that ``x / (2 sqrt(D t))`` is dimensionless.

- :func:`erfc_profile` constant surface concentration, semi-infinite (paper eq. 4), with the
  surface at ``x0_um`` (the meniscus offset): points with ``x < x0`` lie in the source, ``C_s``.
- :func:`exchange_profile` surface exchange (Crank 3.5.2): ``C' = erfc(u) - exp(h x + h^2 D t)
  erfc(u + h sqrt(D t))`` with ``h = k_s / D``; the second term is evaluated as
  ``exp(-u^2) erfcx(u + h sqrt(D t))``, finite for every ``h`` (no overflow).
- :func:`thin_film_profile` instantaneous film of ``M`` (fraction x um) on a reflecting surface.
- :func:`cosine_series` closed domain ``[0, L]``: ``a_0 + sum a_n cos(n pi x / L)
  exp(-n^2 pi^2 D t / L^2)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import erfc, erfcx

from .errors import InputError

__all__ = [
    "UM_TO_CM",
    "cosine_series",
    "diffusion_length_um",
    "erfc_profile",
    "exchange_profile",
    "thin_film_profile",
]

UM_TO_CM = 1e-4  #: 1 um in cm


def _positive(name: str, value: float) -> float:
    v = float(value)
    if not math.isfinite(v) or v <= 0:
        raise InputError(f"{name} must be finite and > 0, got {value}")
    return v


def diffusion_length_um(D: float, time_s: float) -> float:
    """``2 sqrt(D t)`` in um for ``D`` in cm^2/s and ``time_s`` in s."""
    return 2.0 * math.sqrt(_positive("D", D) * _positive("time_s", time_s)) / UM_TO_CM


def _u(x_um: ArrayLike, x0_um: float, D: float, time_s: float) -> NDArray[np.float64]:
    x = np.asarray(x_um, dtype=float) - float(x0_um)
    return x / diffusion_length_um(D, time_s)


def erfc_profile(
    x_um: ArrayLike, *, C_s: float, C_0: float, D: float, time_s: float, x0_um: float = 0.0
) -> NDArray[np.float64]:
    """``C_0 + (C_s - C_0) erfc((x - x0) / (2 sqrt(D t)))``; ``C_s`` for ``x < x0`` (source).

    >>> import numpy as np
    >>> c = erfc_profile([0.0, 2.0, 5.0, 10.0], C_s=0.9, C_0=0.076, D=1e-10, time_s=3600.0)
    >>> print(np.round(c, 3))
    [0.9   0.746 0.534 0.273]
    """
    u = np.maximum(_u(x_um, x0_um, D, time_s), 0.0)
    return np.asarray(C_0 + (C_s - C_0) * erfc(u), dtype=float)


def exchange_profile(
    x_um: ArrayLike,
    *,
    C_s: float,
    C_0: float,
    D: float,
    k_s: float,
    time_s: float,
    x0_um: float = 0.0,
) -> NDArray[np.float64]:
    """Crank's surface-exchange solution; ``C_s`` is the gas/bath value, ``k_s`` in cm/s.

    ``C' = (C - C_0)/(C_s - C_0) = erfc(u) - exp(-u^2) erfcx(u + h sqrt(D t))``, ``h = k_s / D``;
    points with ``x < x0`` take the surface value (x = x0).

    >>> import numpy as np
    >>> c = exchange_profile(
    ...     [0.0, 2.0, 5.0, 10.0], C_s=0.9, C_0=0.076, D=1e-10, k_s=1e-7, time_s=3600.0
    ... )
    >>> print(np.round(c, 3))
    [0.432 0.345 0.241 0.136]
    """
    u = np.maximum(_u(x_um, x0_um, D, time_s), 0.0)
    hs = _positive("k_s", k_s) / D * math.sqrt(D * time_s)
    frac = erfc(u) - np.exp(-(u**2)) * erfcx(u + hs)
    return np.asarray(C_0 + (C_s - C_0) * frac, dtype=float)


def thin_film_profile(
    x_um: ArrayLike, *, M_um: float, C_0: float, D: float, time_s: float, x0_um: float = 0.0
) -> NDArray[np.float64]:
    """``C_0 + M / sqrt(pi D t) exp(-(x - x0)^2 / (4 D t))``; ``M_um`` = amount (fraction x um).

    Reflecting surface at ``x0``: the film's whole amount stays in ``x >= x0``.
    """
    u = np.maximum(_u(x_um, x0_um, D, time_s), 0.0)
    amp = float(M_um) * UM_TO_CM / math.sqrt(math.pi * D * time_s)
    return np.asarray(C_0 + amp * np.exp(-(u**2)), dtype=float)


def cosine_series(
    x_um: ArrayLike, *, coeffs: Sequence[float], L_um: float, D: float, time_s: float
) -> NDArray[np.float64]:
    """Closed domain ``[0, L]``: ``sum_n a_n cos(n pi x / L) exp(-n^2 pi^2 D t / L^2)``."""
    length = _positive("L_um", L_um) * UM_TO_CM
    d = float(D)
    t = float(time_s)
    if d < 0 or t < 0:
        raise InputError("D and time_s must be >= 0 for the cosine series")
    x = np.asarray(x_um, dtype=float) * UM_TO_CM
    out = np.zeros_like(x)
    for n, a in enumerate(coeffs):
        k = n * math.pi / length
        out += float(a) * np.cos(k * x) * math.exp(-(k**2) * d * t)
    return out
