"""Steps found automatically, then analysed: detection positions feed the step analysis.

Units as in :mod:`tracerdiff.grain_boundary.step` (positions um, D cm^2/s, k cm/s).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .detect import StepDetection, detect_steps
from .result import StepResult
from .step import analyze_steps, resolve_guard

__all__ = ["analyze_detected"]


def analyze_detected(
    x_um: ArrayLike,
    C: ArrayLike,
    C_err: ArrayLike,
    *,
    d_bulk: float,
    penalty: float = 1.0,
    min_size: int = 4,
    z_min: float = 3.0,
    **step_options: Any,
) -> tuple[StepDetection, list[StepResult]]:
    """Detect the steps of one profile (:func:`detect_steps`) and analyse each
    (:func:`analyze_steps` with ``step_options``); the results carry the detection's position
    uncertainty.  Steps closer than twice the guard band (``guard_um``, default 2.5 x
    ``resolution_um``) keep only the larger jump of the pair.  ``angle_deg`` and
    ``flux_angle_deg`` (one value each here) as in :func:`analyze_steps`.
    """
    det = detect_steps(x_um, C, C_err, penalty=penalty, min_size=min_size, z_min=z_min)
    guard = resolve_guard(step_options.get("guard_um"), step_options.get("resolution_um", 1.0))
    keep: list[int] = []
    for i in np.argsort(-np.abs(det.jumps)):
        if all(abs(det.positions_um[i] - det.positions_um[j]) >= 2 * guard + 1e-9 for j in keep):
            keep.append(int(i))
    keep.sort()
    pos = [float(det.positions_um[i]) for i in keep]
    if not pos:
        return det, []
    res = analyze_steps(x_um, C, C_err, pos, d_bulk=d_bulk, **step_options)
    res = [
        dataclasses.replace(r, position_err_um=float(det.position_err_um[i]))
        for r, i in zip(res, keep, strict=True)
    ]
    return det, res
