"""Detector dead-time corrections of counts (science.md section 2).

ToF-SIMS (single-stop TDC, Poisson statistics over N primary pulses on a pixel)::

    I_true = -N ln(1 - I/N),  var(I_true) = N p / (1 - p) = I / (1 - p),  p = I / N

(``I`` measured counts are binomial over the N pulses, ``dI_true/dI = 1/(1 - p)``); ``I >= N`` is
saturated. Apply per pixel and per frame (N = shots per pixel x scans in the frame), before any
binning, frame accumulation or shift.

Electron multiplier (NanoSIMS, non-paralysable, rate based) with dead time ``tau`` and dwell time
``t`` per pixel and frame: ``r = I / t``, ``r_true = r / (1 - r tau)``, i.e.
``I_true = I / (1 - x)`` with ``x = I tau / t``; the measured counts of a non-paralysable counter
have ``var(I) ~ I (1 - x)^2`` (Mueller 1973), so ``var(I_true) = I / (1 - x)^2``. ``x >= 1`` is
saturated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..errors import InputError, SaturationError
from ..results import ResultMixin
from .kernels import _as_2d, row_blocks

__all__ = ["EM_DEAD_TIME_S", "CorrectedCounts", "em_dead_time", "tof_dead_time"]

EM_DEAD_TIME_S = 44e-9  #: default electron-multiplier dead time (NanoSIMS), s

SaturatedPolicy = Literal["raise", "nan"]


@dataclass(frozen=True)
class CorrectedCounts(ResultMixin):
    """Dead-time corrected counts with their variances (both in counts / counts^2).

    ``saturated`` marks elements at or above the saturation limit (NaN in ``counts`` and ``var``
    when the policy was ``"nan"``); ``parameters`` records the method and its inputs.
    """

    counts: np.ndarray
    var: np.ndarray
    saturated: np.ndarray
    n_saturated: int
    method: str
    parameters: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The correction record (method, parameters, saturated count) as JSON-plain data."""
        return {"method": self.method, **self.parameters, "n_saturated": self.n_saturated}


def _check_policy(saturated: str) -> None:
    if saturated not in ("raise", "nan"):
        raise InputError(f"saturated must be 'raise' or 'nan', got {saturated!r}")


def _buffers(
    counts: npt.ArrayLike, dtype: npt.DTypeLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The counts, their 2D view, and empty corrected / variance (``dtype``) / saturated arrays."""
    arr = np.asarray(counts)
    a2 = _as_2d(arr)
    out = np.empty(a2.shape, dtype=dtype)
    var = np.empty(a2.shape, dtype=dtype)
    sat = np.empty(a2.shape, dtype=bool)
    return arr, a2, out, var, sat


def tof_dead_time(
    counts: npt.ArrayLike,
    *,
    n_pulses: float,
    saturated: SaturatedPolicy = "raise",
    dtype: npt.DTypeLike = np.float32,
) -> CorrectedCounts:
    """Poisson (single-stop ToF) dead-time correction of measured counts per element.

    ``n_pulses`` is the number of primary pulses that hit each pixel in the counted period (shots
    per pixel x scans). Counts ``>= n_pulses`` raise :class:`SaturationError`, or become NaN with
    ``saturated="nan"`` (counted in ``n_saturated``).
    """
    _check_policy(saturated)
    n = float(n_pulses)
    if not (np.isfinite(n) and n > 0):
        raise InputError(f"number of primary pulses must be > 0, got {n_pulses!r}")
    arr, a2, out, var, sat = _buffers(counts, dtype)
    for sl in row_blocks(a2.shape):
        # in place in the output blocks (output dtype): o = -p, v = 1 - p, o = -N ln(1 - p)
        blk, o, v, s = a2[sl], out[sl], var[sl], sat[sl]
        np.greater_equal(blk, n, out=s)
        np.multiply(blk, -1.0 / n, out=o, casting="unsafe")
        if s.any():
            np.putmask(o, s, np.nan)
        np.add(o, 1.0, out=v)
        np.log1p(o, out=o)
        o *= -n
        np.divide(blk, v, out=v, casting="unsafe")
    return _finish(
        arr.shape,
        out,
        var,
        sat,
        saturated,
        "tof_poisson",
        {"n_pulses": n},
        f"counts reach the {n:g} primary pulses per pixel",
    )


def em_dead_time(
    counts: npt.ArrayLike,
    *,
    dwell_time_s: float,
    tau_s: float = EM_DEAD_TIME_S,
    saturated: SaturatedPolicy = "raise",
    dtype: npt.DTypeLike = np.float32,
) -> CorrectedCounts:
    """Electron-multiplier (non-paralysable) dead-time correction ``r_true = r / (1 - r tau)``.

    ``dwell_time_s`` is the counting time of each element (s), ``tau_s`` the dead time (s,
    NanoSIMS default 44 ns). Elements with ``counts * tau / dwell >= 1`` are saturated.
    """
    _check_policy(saturated)
    t, tau = float(dwell_time_s), float(tau_s)
    if not (np.isfinite(t) and t > 0):
        raise InputError(f"dwell time must be > 0 s, got {dwell_time_s!r}")
    if not (np.isfinite(tau) and tau >= 0):
        raise InputError(f"dead time must be >= 0 s, got {tau_s!r}")
    arr, a2, out, var, sat = _buffers(counts, dtype)
    for sl in row_blocks(a2.shape):
        blk = a2[sl]
        x = np.multiply(blk, tau / t, dtype=np.float64)
        np.greater_equal(x, 1.0, out=sat[sl])
        np.putmask(x, sat[sl], np.nan)
        np.subtract(1.0, x, out=x)  # 1 - r tau
        np.divide(blk, x, out=out[sl], casting="same_kind")
        x *= x
        np.divide(blk, x, out=var[sl], casting="same_kind")
    return _finish(
        arr.shape,
        out,
        var,
        sat,
        saturated,
        "em_nonparalysable",
        {"tau_s": tau, "dwell_time_s": t},
        "count rate reaches 1/tau",
    )


def _finish(
    shape: tuple[int, ...],
    out: np.ndarray,
    var: np.ndarray,
    sat: np.ndarray,
    policy: str,
    method: str,
    params: dict[str, Any],
    why: str,
) -> CorrectedCounts:
    n_sat = int(np.count_nonzero(sat))
    if n_sat and policy == "raise":
        raise SaturationError(
            f"{n_sat} pixel(s) saturated ({why}); "
            "pass saturated='nan' (--saturated nan) to mask them"
        )
    return CorrectedCounts(
        counts=out.reshape(shape),
        var=var.reshape(shape),
        saturated=sat.reshape(shape),
        n_saturated=n_sat,
        method=method,
        parameters=dict(params),
    )
