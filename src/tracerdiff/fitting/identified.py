"""Fits with a parameter the data do not fix: errors of the others conditional on it.

A parameter can run off to where the model no longer depends on it (k_s of a surface-exchange
fit far above what limits the profile, D of a profile without slope): the weighted Jacobian is
then singular and the full covariance undefined (NaN).  :func:`conditional_fit` drops such
parameters, one at a time the one that dominates the flattest direction, and gives the others
their covariance conditional on the dropped ones' fitted values; :func:`expand_fit` puts the
result back on every free parameter, the dropped ones without a standard error and with a note.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .result import FitResult

__all__ = ["Z95", "conditional_fit", "expand_fit", "space_of"]

FloatArray = NDArray[np.float64]
Z95 = 1.959963984540054


def space_of(result: FitResult) -> tuple[FloatArray, NDArray[np.bool_], FloatArray]:
    """(transformed values, log flags, natural/transformed gradient) of the free parameters."""
    prob = result.problem
    is_log = np.array([p in prob.log_params for p in result.free], dtype=bool)
    v = np.array([result.values[p] for p in result.free], dtype=float)
    t = np.where(is_log, np.log(np.maximum(v, 1e-300)), v)
    g = np.where(is_log, v, 1.0)
    return t, is_log, g


def conditional_fit(
    result: FitResult, jacobian: Callable[[], FloatArray] | None
) -> tuple[FitResult, FloatArray, tuple[str, ...]] | None:
    """``result`` restricted to the parameters the data fix, with their covariance conditional
    on the others (dropped one at a time: the one that dominates the flattest direction of the
    weighted Jacobian), the restricted Jacobian and the dropped names; None if nothing is
    left or nothing had to be dropped."""
    from .evolution_model import jacobian_t

    j_w = jacobian() if jacobian is not None else jacobian_t(result.problem, result)
    keep = list(range(j_w.shape[1]))
    if not np.all(np.isfinite(j_w)):
        return None
    while keep:
        sv, vt = np.linalg.svd(j_w[:, keep], full_matrices=False)[1:]
        if sv[0] > 0 and sv[-1] > sv[0] * 1e-10:
            break
        keep.pop(int(np.argmax(np.abs(vt[-1]))))
    if not keep or len(keep) == j_w.shape[1]:
        return None
    names = tuple(result.free[j] for j in keep)
    t, is_log, g = (a[keep] for a in space_of(result))
    cov = ((vt.T / sv**2) @ vt) * np.outer(g, g)
    se = np.sqrt(np.diag(cov))
    ci = dict(result.ci95)
    for j, p in enumerate(names):
        lo, hi = ci.get(p, (None, None))
        if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
            w = Z95 * math.sqrt(float(cov[j, j])) / float(g[j])
            ends = (t[j] - w, t[j] + w)
            ci[p] = (math.exp(ends[0]), math.exp(ends[1])) if is_log[j] else ends
    sub = dataclasses.replace(
        result,
        free=names,
        covariance=cov,
        stderr={**result.stderr, **{p: float(se[j]) for j, p in enumerate(names)}},
        ci95=ci,
        ci_method={**result.ci_method, **dict.fromkeys(names, "wald, conditional")},
    )
    dropped = tuple(p for p in result.free if p not in names)
    return sub, j_w[:, keep], dropped


def expand_fit(full: FitResult, out: FitResult, dropped: tuple[str, ...]) -> FitResult:
    """``out`` (fitted on fewer parameters) back on the parameters of ``full``: the dropped
    ones without a standard error (NaN rows of the covariance), with a note."""
    idx = [out.free.index(p) if p in out.free else -1 for p in full.free]
    cov = np.full((len(idx), len(idx)), np.nan)
    for a, i in enumerate(idx):
        for b, j in enumerate(idx):
            if i >= 0 and j >= 0:
                cov[a, b] = out.covariance[i, j]
    ci = dict(out.ci95)
    for p in dropped:
        lo, hi = full.ci95.get(p, (None, None))
        ci[p] = tuple(v if v is not None and math.isfinite(v) else None for v in (lo, hi))  # type: ignore[assignment]
    none = dict.fromkeys(dropped)
    note = (
        f"{', '.join(dropped)} not determined by these data (the fit does not change along "
        "it): no standard error; the errors of the other parameters are conditional on its "
        "fitted value"
    )
    return dataclasses.replace(
        out,
        free=full.free,
        covariance=cov,
        stderr={**out.stderr, **none},
        stderr_counting={**out.stderr_counting, **none},
        stderr_microstructure={**out.stderr_microstructure, **none},
        ci95=ci,
        ci_method={**out.ci_method, **{p: full.ci_method.get(p, "wald") for p in dropped}},
        notes=(*out.notes, note),
    )
