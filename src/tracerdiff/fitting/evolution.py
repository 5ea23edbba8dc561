"""Evolution fits: an initial profile, later profiles, the history between them -> D (or D0, Ea).

The initial profile (measured, or its erfc fit) is placed on a uniform grid of cells (the
profile's median spacing) and evolved exactly with the closed-domain transform
(:class:`tracerdiff.solvers.exact.SpectralEvolver`, one inverse DCT per evaluation): the domain
is closed at the ends of the initial profile, or at the sample's real ends ``domain_um = (A, B)``
when given (the initial profile is then extended flat to them).  Later profiles are compared
where they overlap the domain (model interpolated linearly from the cell centres to their x).

- :func:`fit_evolution`: one ``D_eff`` for the times ``times_s`` elapsed since the initial profile.
- :func:`fit_arrhenius_evolution`: global ``D0`` (cm^2/s), ``Ea`` (eV) from later profiles with
  thermal histories at two or more temperatures; the model uses ``integral D(T(t)) dt``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import FitError, InputError
from ..history import ThermalHistory
from ..solvers.exact import SpectralEvolver
from .core import Problem, run_problem
from .profiles import ProfileData, fit_profile
from .result import FitResult

__all__ = ["fit_arrhenius_evolution", "fit_evolution"]


@dataclass(frozen=True, eq=False)
class _Setup:
    evolver: SpectralEvolver
    centres_um: NDArray[np.float64]
    x_um: NDArray[np.float64]
    y: NDArray[np.float64]
    yerr: NDArray[np.float64] | None
    group: NDArray[np.int_]
    slices: tuple[slice, ...]
    labels: tuple[str, ...]
    notes: tuple[str, ...]
    extra: dict[str, object]


def _initial_cells(
    initial: ProfileData,
    *,
    mode: str,
    initial_time_s: float | None,
    domain_um: tuple[float, float] | None,
) -> tuple[NDArray[np.float64], float, NDArray[np.float64], list[str], dict[str, object]]:
    x = initial.x_um
    if x.size < 3:
        raise InputError("the initial profile needs at least 3 points")
    h = float(np.median(np.diff(x)))
    notes: list[str] = []
    if domain_um is None:
        lo, hi = float(x[0] - h / 2), float(x[-1] + h / 2)
        notes.append(f"domain closed at the ends of the initial profile [{lo:.4g}, {hi:.4g}] um")
    else:
        lo, hi = (float(v) for v in domain_um)
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            raise InputError(f"domain must be two increasing positions A,B in um, got {domain_um}")
        if hi <= x[0] or lo >= x[-1]:
            raise InputError(
                f"the initial profile [{x[0]:.4g}, {x[-1]:.4g}] um lies outside the domain"
            )
        notes.append(f"initial profile extended flat to the domain ends [{lo:.4g}, {hi:.4g}] um")
    n = max(8, round((hi - lo) / h))
    centres = lo + (np.arange(n) + 0.5) * (hi - lo) / n
    extra: dict[str, object] = {"domain_um": [lo, hi], "n_cells": n, "initial": mode}
    if mode == "measured":
        cells = np.interp(centres, x, initial.C)
        notes.append("initial profile used as measured: its noise is not propagated into D")
    elif mode == "erfc":
        if initial_time_s is None:
            raise InputError("initial='erfc' needs the exchange time of the initial profile")
        fit0 = fit_profile("erfc", initial, time_s=initial_time_s, profile_ci=False)
        if not fit0.converged:
            raise FitError(f"the erfc fit of the initial profile did not converge: {fit0.message}")
        from .models import ErfcModel

        cells = np.asarray(
            ErfcModel().curve(centres, fit0.values, time_s=initial_time_s), dtype=float
        )
        erfc_summary = fit0.to_dict()
        erfc_summary.pop("data", None)
        extra["initial_erfc"] = erfc_summary
        notes.append(f"initial profile = its erfc fit (D_eff {fit0.values['D_eff']:.3g} cm^2/s)")
    else:
        raise InputError(f"initial must be 'measured' or 'erfc', got {mode!r}")
    return centres, (hi - lo) / n, cells, notes, extra


def _setup(
    initial: ProfileData,
    later: Sequence[ProfileData],
    *,
    mode: str,
    initial_time_s: float | None,
    domain_um: tuple[float, float] | None,
) -> _Setup:
    if not later:
        raise InputError("an evolution fit needs at least one later profile")
    centres, h_um, cells, notes, extra = _initial_cells(
        initial, mode=mode, initial_time_s=initial_time_s, domain_um=domain_um
    )
    lo, hi = float(centres[0] - h_um / 2), float(centres[-1] + h_um / 2)
    xs, ys, es, groups, slices, labels = [], [], [], [], [], []
    start = 0
    for j, p in enumerate(later):
        label = p.source or f"later {j + 1}"
        keep = (p.x_um >= lo) & (p.x_um <= hi)
        if not keep.any():
            raise InputError(f"{label} does not overlap the domain [{lo:.4g}, {hi:.4g}] um")
        if not keep.all():
            notes.append(f"{label}: {int((~keep).sum())} points outside the domain left out")
        xs.append(p.x_um[keep])
        ys.append(p.C[keep])
        es.append(None if p.C_err is None else p.C_err[keep])
        groups.append(np.full(int(keep.sum()), j))
        slices.append(slice(start, start + int(keep.sum())))
        labels.append(label)
        notes.extend(p.notes)
        start += int(keep.sum())
    given = all(e is not None for e in es)
    if not given and any(e is not None for e in es):
        notes.append("C_err missing for some later profiles: one noise level estimated for all")
    evolver = SpectralEvolver.build(cells, h_cm=h_um * 1e-4)
    extra["initial_x_um"] = centres
    extra["initial_C"] = cells
    return _Setup(
        evolver,
        centres,
        np.concatenate(xs),
        np.concatenate(ys),
        np.concatenate([e for e in es if e is not None]) if given else None,
        np.concatenate(groups),
        tuple(slices),
        tuple(labels),
        tuple(notes),
        extra,
    )


def _predict_dts(s: _Setup, dts: Sequence[float]) -> NDArray[np.float64]:
    """Model at the later profiles' x after ``D t`` = ``dts[j]`` (cm^2) for profile j."""
    out = np.empty_like(s.y)
    for sl, dt in zip(s.slices, dts, strict=True):
        out[sl] = np.interp(s.x_um[sl], s.centres_um, s.evolver.at(max(float(dt), 0.0)))
    return out


def _forward(
    s: _Setup, d_t: Callable[[dict[str, float]], Sequence[float]]
) -> Callable[[dict[str, float]], NDArray[np.float64]]:
    def predict(values: dict[str, float]) -> NDArray[np.float64]:
        return _predict_dts(s, d_t(values))

    return predict


def _chi2(
    s: _Setup, predict: Callable[[dict[str, float]], NDArray[np.float64]], values: dict[str, float]
) -> float:
    r = predict(values) - s.y
    if s.yerr is not None:
        r = r / s.yerr
    return float(np.sum(r**2))


def fit_evolution(
    initial: ProfileData,
    later: Sequence[ProfileData],
    *,
    times_s: Sequence[float],
    initial_mode: str = "measured",
    initial_time_s: float | None = None,
    domain_um: tuple[float, float] | None = None,
) -> FitResult:
    """Fit one ``D_eff`` (cm^2/s) evolving ``initial`` into ``later`` after ``times_s`` (s) each.

    ``initial_mode`` "measured" (the data, interpolated on the grid) or "erfc" (its erfc fit;
    then ``initial_time_s`` is the exchange time); ``domain_um`` the sample's closed ends.
    """
    times = [float(t) for t in times_s]
    if len(times) != len(later):
        raise InputError(
            f"give one time per later profile: {len(later)} profiles, {len(times)} times"
        )
    if any(not (math.isfinite(t) and t > 0) for t in times):
        raise InputError("every elapsed time must be > 0 s")
    s = _setup(
        initial, later, mode=initial_mode, initial_time_s=initial_time_s, domain_um=domain_um
    )
    predict = _forward(s, lambda v: [v["D_eff"] * t for t in times])
    grid = 10.0 ** np.arange(-18.0, -2.0, 0.25)
    d0 = float(grid[np.argmin([_chi2(s, predict, {"D_eff": d}) for d in grid])])
    extra = dict(s.extra, times_s=times, profiles=list(s.labels))
    prob = Problem(
        model="evolution",
        params=("D_eff",),
        units={"D_eff": "cm^2/s"},
        log_params=frozenset({"D_eff"}),
        bounds={"D_eff": (1e-22, 10.0)},
        start={"D_eff": d0},
        fixed={},
        predict=predict,
        x_um=s.x_um,
        y=s.y,
        yerr=s.yerr,
        time_s=None,
        group=s.group,
        group_labels=s.labels,
        notes=s.notes,
        extra=extra,
        method="weighted least squares; exact closed-domain transform (DCT-II) forward model",
    )
    return run_problem(prob)


def _arrhenius_guess(
    s: _Setup,
    predict_dt: Callable[[list[float]], NDArray[np.float64]],
    integrals: Callable[[float], list[float]],
) -> tuple[float, float]:
    """Per-profile best ``D t`` by a grid, then ln(D t) = ln D0 + ln I(Ea) over an Ea grid."""
    grid = 10.0 ** np.arange(-16.0, 2.0, 0.1)
    best = []
    for j, sl in enumerate(s.slices):
        chis = []
        for g in grid:
            dts = [0.0] * len(s.slices)
            dts[j] = float(g)
            r = predict_dt(dts)[sl] - s.y[sl]
            chis.append(float(np.sum(r**2)))
        best.append(math.log(float(grid[int(np.argmin(chis))])))
    eas = np.arange(0.05, 3.0, 0.025)
    scores = []
    for ea in eas:
        li = np.log(integrals(float(ea)))
        ln_d0 = np.mean(np.array(best) - li)
        scores.append((float(np.sum((np.array(best) - li - ln_d0) ** 2)), float(ln_d0), float(ea)))
    _, ln_d0, ea = min(scores)
    return math.exp(ln_d0), ea


def fit_arrhenius_evolution(
    initial: ProfileData,
    later: Sequence[ProfileData],
    *,
    histories: Sequence[ThermalHistory],
    initial_mode: str = "measured",
    initial_time_s: float | None = None,
    domain_um: tuple[float, float] | None = None,
) -> FitResult:
    """Global fit of ``D0`` (cm^2/s) and ``Ea`` (eV): later profile j after ``histories[j]``.

    Each history runs from the initial profile to that later profile (closed stages only).
    """
    if len(histories) != len(later):
        raise InputError(
            f"give one history per later profile: {len(later)} profiles, {len(histories)} histories"
        )
    temps = {round(st.temperature_K, 6) for h in histories for st in h.stages}
    temps |= {
        round(st.end_temperature_K, 6) for h in histories for st in h.stages if st.end_temperature_K
    }
    if len(temps) < 2:
        raise FitError("an Arrhenius fit needs histories at two or more temperatures")
    if any(st.boundary != "closed" for h in histories for st in h.stages):
        raise InputError("evolution fits model storage/anneals: every stage must be 'closed'")
    s = _setup(
        initial, later, mode=initial_mode, initial_time_s=initial_time_s, domain_um=domain_um
    )
    cache: dict[float, list[float]] = {}

    def integrals(ea: float) -> list[float]:
        if ea not in cache:
            cache[ea] = [h.integrated_D_t((1.0, ea)) for h in histories]
        return cache[ea]

    predict = _forward(s, lambda v: [v["D0"] * i for i in integrals(v["Ea"])])
    d0, ea = _arrhenius_guess(s, lambda dts: _predict_dts(s, dts), integrals)
    extra = dict(s.extra, histories=[h.to_dict() for h in histories], profiles=list(s.labels))
    prob = Problem(
        model="evolution-arrhenius",
        params=("D0", "Ea"),
        units={"D0": "cm^2/s", "Ea": "eV"},
        log_params=frozenset({"D0"}),
        bounds={"D0": (1e-30, 1e12), "Ea": (0.0, 5.0)},
        start={"D0": d0, "Ea": ea},
        fixed={},
        predict=predict,
        x_um=s.x_um,
        y=s.y,
        yerr=s.yerr,
        group=s.group,
        group_labels=s.labels,
        notes=s.notes,
        extra=extra,
        method="global weighted least squares; exact closed-domain transform, integral D(T(t)) dt",
    )
    return run_problem(prob)
