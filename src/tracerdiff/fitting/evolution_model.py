"""The forward model of evolution fits: initial cells on a uniform grid, stage segments, data.

The initial profile (measured, or its erfc fit) is placed on a uniform grid of cells (the
profile's median spacing) spanning the domain: the ends of the initial profile, or the sample's
real ends ``domain_um = (A, B)`` (the profile is then extended flat to them).  Each later profile
``j`` is reached through a list of segments ``(boundary, integral D dt)`` (cm^2): "closed" (no
flux at both ends) or "source" (the left end, ``x = A``, held at ``c_source``; the far end
closed), each integrated exactly by :func:`tracerdiff.solvers.exact.evolve_exact` (DCT-II or
DST-IV).  A single closed segment uses the precomputed transform (one inverse DCT per call).
Later profiles are compared where they overlap the domain (model interpolated linearly from the
cell centres to their x).

:func:`initial_noise_covariance` propagates the noise of the initial profile into the fitted
parameters by the delta method: the model is linear in the initial cell values, so the
sensitivity of the estimate to them is exact to first order and is obtained with one adjoint
evolution per profile (measured initial profile) or by central differences through the erfc
parameters (erfc initial profile, covariance of that fit).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse
from numpy.typing import NDArray

from ..errors import FitError, InputError
from ..solvers.exact import SpectralEvolver, evolve_exact
from .core import Problem, _residual_fn, _Space
from .models import ErfcModel
from .profiles import ProfileData, fit_profile
from .result import FitResult

__all__ = [
    "EvolutionSetup",
    "Segments",
    "build_setup",
    "initial_noise_covariance",
    "jacobian_t",
    "widened",
]

Segments = Sequence[tuple[str, float]]  #: per later profile: (boundary, integral D dt in cm^2)


@dataclass(frozen=True, eq=False)
class EvolutionSetup:
    """Grid, initial cells, the concatenated later data and how they map onto the grid."""

    evolver: SpectralEvolver
    centres_um: NDArray[np.float64]
    h_cm: float
    cells: NDArray[np.float64]
    x_um: NDArray[np.float64]
    y: NDArray[np.float64]
    yerr: NDArray[np.float64] | None
    group: NDArray[np.int_]
    slices: tuple[slice, ...]
    labels: tuple[str, ...]
    notes: tuple[str, ...]
    extra: dict[str, object]
    initial: ProfileData
    initial_fit: FitResult | None
    initial_time_s: float | None

    def evolve(
        self, segs: Segments, *, c_source: float | None, cells: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """Cell values after the segments ``segs`` starting from ``cells`` (default: initial)."""
        if cells is None and len(segs) == 1 and segs[0][0] == "closed":
            return self.evolver.at(max(float(segs[0][1]), 0.0))
        c = self.cells if cells is None else cells
        for boundary, dt in segs:
            c = evolve_exact(
                c, h_cm=self.h_cm, D_t_cm2=max(float(dt), 0.0), left=boundary, c_left=c_source
            )
        return c

    def predict_one(self, j: int, segs: Segments, c_source: float | None) -> NDArray[np.float64]:
        """Model at later profile ``j``'s x after the segments ``segs``."""
        sl = self.slices[j]
        return np.interp(self.x_um[sl], self.centres_um, self.evolve(segs, c_source=c_source))

    def predict(
        self,
        segs_per_profile: Sequence[Segments],
        *,
        c_source: float | None = None,
        cells: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Model at the later profiles' x (profile j after ``segs_per_profile[j]``)."""
        out = np.empty_like(self.y)
        for sl, segs in zip(self.slices, segs_per_profile, strict=True):
            c = self.evolve(segs, c_source=c_source, cells=cells)
            out[sl] = np.interp(self.x_um[sl], self.centres_um, c)
        return out


def _domain(
    x: NDArray[np.float64], h: float, domain_um: tuple[float, float] | None
) -> tuple[float, float, str]:
    if domain_um is None:
        lo, hi = float(x[0] - h / 2), float(x[-1] + h / 2)
        return lo, hi, f"domain closed at the ends of the initial profile [{lo:.4g}, {hi:.4g}] um"
    lo, hi = (float(v) for v in domain_um)
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        raise InputError(f"domain must be two increasing positions A,B in um, got {domain_um}")
    if hi <= x[0] or lo >= x[-1]:
        raise InputError(
            f"the initial profile [{x[0]:.4g}, {x[-1]:.4g}] um lies outside the domain "
            f"[{lo:.4g}, {hi:.4g}] um"
        )
    return lo, hi, f"initial profile extended flat to the domain ends [{lo:.4g}, {hi:.4g}] um"


def _initial_cells(
    initial: ProfileData,
    *,
    mode: str,
    initial_time_s: float | None,
    domain_um: tuple[float, float] | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], FitResult | None, list[str], dict[str, Any]]:
    """(cell centres um, cell values, erfc fit or None, notes, extra)."""
    x = initial.x_um
    if x.size < 3:
        raise InputError("the initial profile needs at least 3 points")
    h = float(np.median(np.diff(x)))
    lo, hi, note = _domain(x, h, domain_um)
    notes = [note]
    n = max(8, round((hi - lo) / h))
    centres = lo + (np.arange(n) + 0.5) * (hi - lo) / n
    extra: dict[str, Any] = {"domain_um": [lo, hi], "n_cells": n, "initial": mode}
    fit0 = None
    if mode == "measured":
        cells = np.interp(centres, x, initial.C)
    elif mode == "erfc":
        if initial_time_s is None:
            raise InputError("initial='erfc' needs the exchange time of the initial profile")
        fit0 = fit_profile(
            "erfc", initial, time_s=initial_time_s, profile_ci=False, microstructure="homogeneous"
        )
        if not fit0.converged:
            raise FitError(f"the erfc fit of the initial profile did not converge: {fit0.message}")
        cells = np.asarray(
            ErfcModel().curve(centres, fit0.values, time_s=initial_time_s), dtype=float
        )
        summary = fit0.to_dict()
        summary.pop("data", None)
        extra["initial_erfc"] = summary
        notes.append(f"initial profile = its erfc fit (D_eff {fit0.values['D_eff']:.3g} cm^2/s)")
    else:
        raise InputError(f"initial must be 'measured' or 'erfc', got {mode!r}")
    return centres, cells, fit0, notes, extra


def _collect_later(
    later: Sequence[ProfileData], lo: float, hi: float, notes: list[str]
) -> tuple[list[Any], ...]:
    xs, ys, es, groups, slices, labels = [], [], [], [], [], []
    start = 0
    for j, p in enumerate(later):
        label = p.source or f"later {j + 1}"
        keep = (p.x_um >= lo) & (p.x_um <= hi)
        if not keep.any():
            raise InputError(f"{label} does not overlap the domain [{lo:.4g}, {hi:.4g}] um")
        if not keep.all():
            notes.append(f"{label}: {int((~keep).sum())} points outside the domain left out")
        m = int(keep.sum())
        xs.append(p.x_um[keep])
        ys.append(p.C[keep])
        es.append(None if p.C_err is None else p.C_err[keep])
        groups.append(np.full(m, j))
        slices.append(slice(start, start + m))
        labels.append(label)
        notes.extend(p.notes)
        start += m
    return xs, ys, es, groups, slices, labels


def build_setup(
    initial: ProfileData,
    later: Sequence[ProfileData],
    *,
    mode: str,
    initial_time_s: float | None,
    domain_um: tuple[float, float] | None,
) -> EvolutionSetup:
    """Validate and grid the inputs of an evolution fit (see the module text)."""
    if not later:
        raise InputError("an evolution fit needs at least one later profile")
    centres, cells, fit0, notes, extra = _initial_cells(
        initial, mode=mode, initial_time_s=initial_time_s, domain_um=domain_um
    )
    lo, hi = extra["domain_um"]
    xs, ys, es, groups, slices, labels = _collect_later(later, lo, hi, notes)
    given = all(e is not None for e in es)
    if not given and any(e is not None for e in es):
        notes.append("C_err missing for some later profiles: one noise level estimated for all")
    h_cm = (hi - lo) / centres.size * 1e-4
    extra["initial_x_um"] = centres
    extra["initial_C"] = cells
    return EvolutionSetup(
        evolver=SpectralEvolver.build(cells, h_cm=h_cm),
        centres_um=centres,
        h_cm=h_cm,
        cells=cells,
        x_um=np.concatenate(xs),
        y=np.concatenate(ys),
        yerr=np.concatenate(es) if given else None,
        group=np.concatenate(groups),
        slices=tuple(slices),
        labels=tuple(labels),
        notes=tuple(notes),
        extra=extra,
        initial=initial,
        initial_fit=fit0,
        initial_time_s=initial_time_s,
    )


def _interp_matrix(xq: NDArray[np.float64], xp: NDArray[np.float64]) -> scipy.sparse.csr_matrix:
    """The sparse matrix of ``np.interp(xq, xp, .)`` (flat beyond the ends)."""
    n = xp.size
    j = np.clip(np.searchsorted(xp, xq, side="right") - 1, 0, n - 2)
    w = np.clip((xq - xp[j]) / (xp[j + 1] - xp[j]), 0.0, 1.0)
    rows = np.repeat(np.arange(xq.size), 2)
    cols = np.column_stack([j, j + 1]).ravel()
    vals = np.column_stack([1.0 - w, w]).ravel()
    return scipy.sparse.csr_matrix((vals, (rows, cols)), shape=(xq.size, n))


def _adjoint_measured(
    s: EvolutionSetup, segs_per_profile: Sequence[Segments], v: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``(d model / d C_initial)^T v`` for a measured initial profile (exact: linear model)."""
    acc = np.zeros(s.cells.size)
    for sl, segs in zip(s.slices, segs_per_profile, strict=True):
        w = _interp_matrix(s.x_um[sl], s.centres_um).T @ v[sl]
        for boundary, dt in reversed(list(segs)):  # each step is symmetric: reverse the order
            w = evolve_exact(w, h_cm=s.h_cm, D_t_cm2=max(dt, 0.0), left=boundary, c_left=0.0)
        acc += w
    return np.asarray(_interp_matrix(s.centres_um, s.initial.x_um).T @ acc, dtype=float)


def _erfc_sensitivity(
    s: EvolutionSetup,
    predict_from: Callable[[NDArray[np.float64], float | None], NDArray[np.float64]],
    source_from_cs: bool,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(d model / d theta) by central differences and the erfc fit's covariance over theta."""
    fit0 = s.initial_fit
    assert fit0 is not None and s.initial_time_s is not None
    cols = []
    for j, p in enumerate(fit0.free):
        step = 1e-4 * max(abs(fit0.values[p]), float(np.sqrt(fit0.covariance[j, j])))
        pair = []
        for sign in (1.0, -1.0):
            vals = dict(fit0.values)
            vals[p] += sign * step
            cells = np.asarray(
                ErfcModel().curve(s.centres_um, vals, time_s=s.initial_time_s), dtype=float
            )
            pair.append(predict_from(cells, vals["C_s"] if source_from_cs else None))
        cols.append((pair[0] - pair[1]) / (2 * step))
    return np.column_stack(cols), np.asarray(fit0.covariance, dtype=float)


def initial_noise_covariance(
    s: EvolutionSetup,
    result: FitResult,
    *,
    jac_t: NDArray[np.float64],
    segs_per_profile: Sequence[Segments],
    predict_from: Callable[[NDArray[np.float64], float | None], NDArray[np.float64]],
    source_from_cs: bool,
) -> tuple[NDArray[np.float64], str]:
    """Covariance (fitted, transformed coordinates) added by the initial profile's noise.

    ``jac_t`` is d residual / d t at the optimum (residual = (model - y) / sigma).  Returns the
    covariance and a one-line description of the method.
    """
    sigma = result.yerr
    info = np.linalg.pinv(jac_t.T @ jac_t)
    if s.initial_fit is None:
        if s.initial.C_err is not None:
            var0, how = s.initial.C_err**2, "its C_err"
        else:
            level = float(np.median(sigma))
            var0, how = np.full(s.initial.n, level**2), f"assumed {level:.3g} (the later noise)"
        u = np.array(
            [
                _adjoint_measured(s, segs_per_profile, jac_t[:, i] / sigma)
                for i in range(jac_t.shape[1])
            ]
        )
        g = -info @ u
        method = f"delta method (adjoint), initial-profile noise {how}"
        return (g * var0) @ g.T, method
    dm, cov_theta = _erfc_sensitivity(s, predict_from, source_from_cs)
    g = -info @ (jac_t.T @ (dm / sigma[:, None]))
    method = "delta method, covariance of the initial profile's erfc fit"
    return g @ cov_theta @ g.T, method


def jacobian_t(prob: Problem, result: FitResult) -> NDArray[np.float64]:
    """d residual / d (transformed parameters) at the optimum, by central differences."""
    space = _Space(prob)
    resid = _residual_fn(prob, space, result.yerr)
    t0 = space.to_t(result.values)
    cols = []
    for j in range(t0.size):
        step = 1e-6 * max(1.0, abs(float(t0[j])))
        tp, tm = t0.copy(), t0.copy()
        tp[j] += step
        tm[j] -= step
        cols.append((np.asarray(resid(tp)) - np.asarray(resid(tm))) / (2 * step))
    return np.column_stack(cols)


def widened(result: FitResult, cov_t_add: NDArray[np.float64], method: str) -> FitResult:
    """``result`` with the added (transformed) covariance folded into errors and intervals."""
    prob = result.problem
    free = result.free
    t_hat = _Space(prob).to_t(result.values)
    is_log = np.array([p in prob.log_params for p in free])
    g = np.ones_like(t_hat)
    g[is_log] = np.exp(t_hat[is_log])  # exp of the log-scale ones only
    cov = result.covariance + cov_t_add * np.outer(g, g)
    stderr = dict(result.stderr)
    ci = dict(result.ci95)
    how = dict(result.ci_method)
    share: dict[str, float] = {}
    for j, p in enumerate(free):
        var = float(cov[j, j])
        stderr[p] = math.sqrt(var) if math.isfinite(var) and var >= 0 else None
        s_add = math.sqrt(max(float(cov_t_add[j, j]), 0.0))
        share[p] = float(cov_t_add[j, j] * g[j] ** 2 / var) if var > 0 else float("nan")
        lo, hi = result.ci95.get(p, (None, None))
        if is_log[j]:
            v, (b_lo, b_hi) = float(t_hat[j]), prob.bounds[p]
            lo = None if lo is None else v - math.hypot(v - math.log(lo), 1.96 * s_add)
            hi = None if hi is None else v + math.hypot(math.log(hi) - v, 1.96 * s_add)
            # an end widened past the fit's range is not bounded by the data: open (None)
            lo = None if lo is None or lo <= math.log(b_lo) else math.exp(lo)
            hi = None if hi is None or hi >= math.log(b_hi) else math.exp(hi)
        elif (se := stderr[p]) is not None:
            lo, hi = result.values[p] - 1.959964 * se, result.values[p] + 1.959964 * se
        ci[p] = (lo, hi)
        how[p] = f"{result.ci_method.get(p, 'wald')} + initial-profile noise"
    extra = dict(result.extra)
    extra["initial_noise"] = {
        "method": method,
        "variance_share": share,
        "covariance_fit_coordinates": cov_t_add,
    }
    notes = (*result.notes, f"initial-profile noise propagated ({method})")
    return dataclasses.replace(
        result, covariance=cov, stderr=stderr, ci95=ci, ci_method=how, extra=extra, notes=notes
    )
