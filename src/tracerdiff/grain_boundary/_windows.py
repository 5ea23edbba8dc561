"""Windows of the step analysis: input checks and, per boundary, the points of each side.

Units: positions, guard and window in um; angles in signed degrees from the profile direction
(GB normal: ``angle``, long-range diffusion direction: ``flux_angle``; see :mod:`.geometry`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError, InputError, ShapeMismatchError
from .geometry import MAX_ANGLE_DEG

Arr = NDArray[np.float64]


@dataclass(frozen=True)
class Job:
    profile: int
    gb_index: int
    position: float
    angle: float
    flux_angle: float
    guard: float
    left: NDArray[np.intp]
    right: NDArray[np.intp]
    order_l: int
    order_r: int
    reason: str


def check_profile(x: Arr, c: Arr, e: Arr) -> None:
    if not (x.shape == c.shape == e.shape) or x.ndim != 1:
        raise ShapeMismatchError(
            f"x_um, C, C_err must be 1D of one length, got {x.shape}, {c.shape}, {e.shape}"
        )
    if x.size < 2 or np.any(np.diff(x) <= 0):
        raise InputError("x_um must hold at least 2 strictly increasing positions")
    if not np.any(np.isfinite(c)):
        raise DataError("profile C holds no finite value (NaN-only)")


def check_options(
    *,
    d_bulk: float,
    d_bulk_err: float | None,
    delta_nm: float,
    guard_um: float,
    window_um: float | None,
    order: int,
) -> None:
    if not (math.isfinite(d_bulk) and d_bulk > 0):
        raise InputError(f"D_b must be positive (cm^2/s), got {d_bulk}")
    if d_bulk_err is not None and not d_bulk_err >= 0:
        raise InputError(f"the error of D_b must be >= 0, got {d_bulk_err}")
    if not (math.isfinite(delta_nm) and delta_nm > 0):
        raise InputError(f"delta must be positive (nm), got {delta_nm}")
    if order not in (1, 2):
        raise InputError(f"order must be 1 or 2, got {order}")
    if not (math.isfinite(guard_um) and guard_um >= 0):
        raise InputError(f"guard must be >= 0 um, got {guard_um}")
    if window_um is not None and not window_um > guard_um:
        raise InputError(f"window ({window_um} um) must be longer than the guard ({guard_um} um)")


def _side(valid: NDArray[np.bool_], x: Arr, lo: float, hi: float) -> tuple[NDArray[np.intp], int]:
    inside = (x >= lo) & (x <= hi)
    return np.flatnonzero(inside & valid), int(np.count_nonzero(inside))


def _bounds(
    rank: int,
    srt: NDArray[np.intp],
    gbs: Arr,
    guards: Arr,
    *,
    window_um: float | None,
    stops: Arr | None,
) -> tuple[float, float]:
    """Extent (um) of the fit region around the GB of sorted rank ``rank``: the window, cut at
    the neighbours' guard bands and at the ``stops``."""
    i = srt[rank]
    pos = float(gbs[i])
    lo = -math.inf if window_um is None else pos - window_um
    hi = math.inf if window_um is None else pos + window_um
    if rank > 0:
        j = srt[rank - 1]
        lo = max(lo, float(gbs[j] + guards[j]))
    if rank + 1 < len(srt):
        hi = min(hi, float(gbs[srt[rank + 1]] - guards[srt[rank + 1]]))
    for s_pos, s_g in () if stops is None else stops:
        if s_pos < pos:
            lo = max(lo, float(s_pos + s_g))
        elif s_pos > pos:
            hi = min(hi, float(s_pos - s_g))
    return lo, hi


def jobs_for_profile(
    p: int,
    x: Arr,
    c: Arr,
    e: Arr,
    gbs: Arr,
    angles: Arr,
    flux_angles: Arr,
    *,
    guard_um: float,
    window_um: float | None,
    width_um: float,
    order: int,
    stops: Arr | None = None,
) -> list[Job]:
    """Windows of every GB of one profile (see :func:`tracerdiff.grain_boundary.analyze_steps`).

    ``stops`` (k, 2): positions (um) and guard half-widths (um) of boundaries that are not
    analysed (e.g. skipped crossings of a map) but still end the windows of their neighbours.
    """
    pitch = float(np.median(np.diff(x)))
    if window_um is not None and (window_um - guard_um) < (order + 2) * pitch:
        raise InputError(
            f"window {window_um} um leaves fewer than {order + 2} points of "
            f"{pitch:.3g} um beyond the {guard_um} um guard: order {order} needs more"
        )
    valid = np.isfinite(c) & np.isfinite(e) & (e > 0)
    guards = guard_um + 0.5 * width_um * np.abs(np.tan(np.radians(angles)))
    srt = np.argsort(gbs)
    jobs = []
    for rank, i in enumerate(srt):
        pos, g = float(gbs[i]), float(guards[i])
        if not (x[0] <= pos <= x[-1]):
            raise InputError(f"GB at {pos} um lies outside the profile [{x[0]}, {x[-1]}] um")
        lo, hi = _bounds(rank, srt, gbs, guards, window_um=window_um, stops=stops)
        left, n_l = _side(valid, x, lo, pos - g)
        right, n_r = _side(valid, x, pos + g, hi)
        for side, idx, n_all in (("left", left, n_l), ("right", right, n_r)):
            if n_all > 0 and idx.size == 0:
                raise DataError(
                    f"the {side} side of the GB at {pos} um holds only NaN or invalid values"
                )
        ol, orr = min(order, left.size - 2), min(order, right.size - 2)
        reason = (
            _close_reason(rank, srt, gbs, guards)
            or _parallel_reason(float(angles[i]), float(flux_angles[i]))
            or next(
                (
                    f"the grain {side} of the GB has {n} usable points in the window "
                    "(needs >= 3 for a linear fit)"
                    for side, o, n in (("left", ol, left.size), ("right", orr, right.size))
                    if o < 1
                ),
                "",
            )
        )
        jobs.append(
            Job(
                p,
                int(i),
                pos,
                float(angles[i]),
                float(flux_angles[i]),
                g,
                left,
                right,
                ol,
                orr,
                reason,
            )
        )
    return jobs


def _close_reason(rank: int, srt: NDArray[np.intp], gbs: Arr, guards: Arr) -> str:
    """Not analysable when a neighbour lies within the two guard bands: the step of one is
    inside the other's guard (both are reported, the others analysed)."""
    i = srt[rank]
    for r in (rank - 1, rank + 1):
        if 0 <= r < len(srt):
            j = srt[r]
            if abs(float(gbs[i] - gbs[j])) < float(guards[i] + guards[j]):
                return (
                    f"closer to the GB at {float(gbs[j]):.4g} um than twice the guard band "
                    f"({float(guards[i] + guards[j]):.3g} um): the steps cannot be separated"
                )
    return ""


def _parallel_reason(angle: float, flux_angle: float) -> str:
    """Not analysable when the long-range flux runs (nearly) parallel to the GB."""
    if abs(angle - flux_angle) >= MAX_ANGLE_DEG:
        return (
            f"the diffusion direction ({flux_angle:g} deg) is nearly parallel to the GB "
            f"(normal at {angle:g} deg): no normal flux to measure"
        )
    return ""


def as_angles(angle_deg: float | Sequence[float], n: int, *, what: str = "GB angles") -> Arr:
    """One angle (deg) or one per GB -> array of ``n``; |angle| < 85 deg."""
    a = (
        np.broadcast_to(np.asarray(angle_deg, dtype=float), (n,)).copy()
        if np.ndim(angle_deg) == 0
        else np.asarray(angle_deg, dtype=float)
    )
    if a.shape != (n,):
        raise ShapeMismatchError(f"{what}: give one angle or one per GB ({n}), got {a.size}")
    if np.any(~np.isfinite(a)) or np.any(np.abs(a) >= MAX_ANGLE_DEG):
        raise InputError(
            f"{what} must be finite and within +-{MAX_ANGLE_DEG:g} degrees of the profile direction"
        )
    return a
