"""Evolution fits: an initial profile, later profiles, the history between them -> D (or D0, Ea).

The forward model (grid, domain, exact transforms per stage segment, overlap with the later
profiles) is :mod:`tracerdiff.fitting.evolution_model`.

- :func:`fit_evolution`: ``D_eff`` from the times ``times_s`` elapsed since the initial profile
  (closed storage), or from one :class:`~tracerdiff.history.ThermalHistory` per later profile:
  isothermal stages, "closed" or "source" (in the bath, surface held at ``c_source``); one
  ``D_eff`` when every stage is at one temperature, else one ``D_eff_<T>K`` per temperature.
  Consecutive stages with the same boundary act through ``sum D_i t_i``; a switch source ->
  closed is integrated stage by stage.
- :func:`fit_arrhenius_evolution`: global ``D0`` (cm^2/s), ``Ea`` (eV) from later profiles with
  thermal histories at two or more temperatures (ramps, source stages allowed); the model uses
  ``integral D(T(t)) dt`` per segment.

The noise of the initial profile (measured: its ``C_err``; erfc: the covariance of its fit) is
propagated into the fitted parameters by the delta method unless ``propagate_initial=False``:
standard errors and covariance include it, the 95 % intervals are widened in quadrature, and
``extra["initial_noise"]`` records the method and the share.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from ..errors import FitError, InputError
from ..history import ThermalHistory
from .core import Problem, run_problem
from .evolution_model import (
    EvolutionSetup,
    build_setup,
    initial_noise_covariance,
    jacobian_t,
    widened,
)
from .evolution_walk import evolution_response, initial_noise_factor
from .histories import STAND_IN_TEMPERATURE_K, elapsed_histories
from .initial_walk import initial_walk_rate
from .microstructure_error import GrainStatistics, grain_sampling_error, resolve_microstructure
from .profiles import ProfileData, as_profile_data
from .result import FitResult
from .status import assess, with_status

__all__ = [
    "STAND_IN_TEMPERATURE_K",
    "elapsed_histories",
    "fit_arrhenius_evolution",
    "fit_evolution",
]


SegmentsOf = Callable[[dict[str, float]], list[list[tuple[str, float]]]]


def _propagate(
    s: EvolutionSetup,
    result: FitResult,
    segments_of: SegmentsOf,
    c_source: float | None,
    source_from_cs: bool,
) -> FitResult:
    segs = segments_of(result.values)

    def predict_from(cells: NDArray[np.float64], cs: float | None) -> NDArray[np.float64]:
        return s.predict(segs, c_source=c_source if cs is None else cs, cells=cells)

    jac = jacobian_t(result.problem, result)
    cov_add, method = initial_noise_covariance(
        s,
        result,
        jac_t=jac,
        segs_per_profile=segs,
        predict_from=predict_from,
        source_from_cs=source_from_cs,
    )
    if not np.all(np.isfinite(cov_add)):
        return dataclasses.replace(
            result, notes=(*result.notes, "initial-profile noise could not be propagated")
        )
    return widened(result, cov_add, method)


def _source_value(
    s: EvolutionSetup, histories: Sequence[ThermalHistory], c_source: float | None
) -> tuple[float | None, bool, list[str]]:
    """The bath value for 'source' stages: given, or the erfc fit's C_s of the initial profile."""
    if not any(st.boundary == "source" for h in histories for st in h.stages):
        return c_source, False, []
    if c_source is not None:
        if not math.isfinite(float(c_source)):
            raise InputError(f"c_source must be a finite fraction, got {c_source}")
        return float(c_source), False, [f"'source' stages hold the surface at {c_source:.4g}"]
    if s.initial_fit is not None:
        cs = s.initial_fit.values["C_s"]
        return cs, True, [f"'source' stages hold the surface at the erfc fit's C_s = {cs:.4g}"]
    raise InputError("the histories have 'source' stages: give c_source (the bath fraction)")


def _d_names(histories: Sequence[ThermalHistory]) -> dict[float, str]:
    """One D parameter per distinct stage temperature (isothermal stages only)."""
    if any(st.is_ramp for h in histories for st in h.stages):
        raise InputError("a history with ramps needs an Arrhenius law: use fit_arrhenius_evolution")
    temps = sorted({float(st.temperature_K) for h in histories for st in h.stages})
    if len(temps) == 1:
        return {temps[0]: "D_eff"}
    return {t: f"D_eff_{t:.6g}K" for t in temps}


def _history_segments(
    times_s: Sequence[float] | None,
    histories: Sequence[ThermalHistory] | None,
    n_later: int,
) -> tuple[list[ThermalHistory], bool]:
    """Histories (closed isothermal stages built from ``times_s`` when given) and their source."""
    if (times_s is None) == (histories is None):
        raise InputError("give either times_s or histories (one per later profile)")
    if histories is None:
        assert times_s is not None
        times = [float(t) for t in times_s]
        if len(times) != n_later:
            raise InputError(
                f"give one time per later profile: {n_later} profiles, {len(times)} times"
            )
        if any(not (math.isfinite(t) and t > 0) for t in times):
            raise InputError("every elapsed time must be > 0 s")
        return elapsed_histories(times), True
    hs = list(histories)
    if len(hs) != n_later:
        raise InputError(
            f"give one history per later profile: {n_later} profiles, {len(hs)} histories"
        )
    return hs, False


def _segments_by_temperature(
    hs: Sequence[ThermalHistory], names_of_t: dict[float, str]
) -> SegmentsOf:
    """Segments per history with the D parameter of each stage's temperature."""

    def segments_of(values: dict[str, float]) -> list[list[tuple[str, float]]]:
        def d_of_t(T: float) -> float:
            return values[names_of_t[float(T)]]

        return [[(g.boundary, g.D_t_cm2) for g in h.segments(d_of_t)] for h in hs]

    return segments_of


def _arrhenius_segments(
    hs: Sequence[ThermalHistory],
) -> tuple[Callable[[float], list[list[tuple[str, float]]]], SegmentsOf]:
    """(segments per history with D0 = 1 at Ea, cached; segments for values D0, Ea)."""
    cache: dict[float, list[list[tuple[str, float]]]] = {}

    def integrals(ea: float) -> list[list[tuple[str, float]]]:
        if ea not in cache:
            cache[ea] = [[(g.boundary, g.D_t_cm2) for g in h.segments((1.0, ea))] for h in hs]
        return cache[ea]

    def segments_of(v: dict[str, float]) -> list[list[tuple[str, float]]]:
        return [[(b, v["D0"] * i) for b, i in segs] for segs in integrals(v["Ea"])]

    return integrals, segments_of


def _start_D(
    s: EvolutionSetup,
    segments_of: SegmentsOf,
    names: Sequence[str],
    c_source: float | None,
) -> float:
    grid = 10.0 ** np.arange(-18.0, -2.0, 0.25)
    scale = 1.0 / s.yerr if s.yerr is not None else 1.0
    chis = [
        float(
            np.sum(
                ((s.predict(segments_of(dict.fromkeys(names, d)), c_source=c_source) - s.y) * scale)
                ** 2
            )
        )
        for d in grid
    ]
    return float(grid[int(np.argmin(chis))])


def fit_evolution(
    initial: ProfileData,
    later: Sequence[ProfileData],
    *,
    times_s: Sequence[float] | None = None,
    histories: Sequence[ThermalHistory] | None = None,
    c_source: float | None = None,
    initial_mode: str = "measured",
    initial_time_s: float | None = None,
    domain_um: tuple[float, float] | None = None,
    propagate_initial: bool = True,
    microstructure: str | GrainStatistics | None = "estimate",
) -> FitResult:
    """Fit ``D_eff`` (cm^2/s) evolving ``initial`` into ``later`` (see the module text).

    ``times_s`` (s) elapsed since the initial profile, closed storage; or ``histories``, one per
    later profile, with ``c_source`` the bath fraction of "source" stages (default: the erfc fit's
    ``C_s`` when ``initial_mode="erfc"``).  ``initial_mode`` "measured" (the data interpolated on
    the grid) or "erfc" (its erfc fit; ``initial_time_s`` is the exchange time); ``domain_um``
    the sample's ends (closed, the initial profile extended flat to them).  ``microstructure``:
    the grain-sampling term ("estimate", :class:`GrainStatistics` or "homogeneous", see
    :mod:`tracerdiff.fitting.microstructure_error`).  Profiles may be :class:`ProfileData` or
    the datasets of :func:`tracerdiff.io.read_profile_csv`.
    """
    initial, later = as_profile_data(initial), [as_profile_data(p) for p in later]
    mode = resolve_microstructure(microstructure)
    hs, closed_times = _history_segments(times_s, histories, len(later))
    s = build_setup(
        initial, later, mode=initial_mode, initial_time_s=initial_time_s, domain_um=domain_um
    )
    cs, cs_from_fit, notes = _source_value(s, hs, c_source)
    names_of_t = {STAND_IN_TEMPERATURE_K: "D_eff"} if closed_times else _d_names(hs)
    names = tuple(dict.fromkeys(names_of_t.values()))

    segments_of = _segments_by_temperature(hs, names_of_t)

    def predict(values: dict[str, float]) -> NDArray[np.float64]:
        return s.predict(segments_of(values), c_source=cs)

    d0 = _start_D(s, segments_of, names, cs)
    extra = dict(s.extra, profiles=list(s.labels))
    extra["times_s"] = [h.total_time_s for h in hs]
    if not closed_times:
        extra["histories"] = [h.to_dict() for h in hs]
    prob = _problem(
        s,
        model="evolution",
        params=names,
        units=dict.fromkeys(names, "cm^2/s"),
        log_params=frozenset(names),
        bounds=dict.fromkeys(names, (1e-22, 10.0)),
        start=dict.fromkeys(names, d0),
        predict=predict,
        notes=notes,
        extra=extra,
        method="weighted least squares; exact transform forward model (DCT-II closed, DST-IV "
        "source)",
    )
    return _finish(s, prob, segments_of, cs, cs_from_fit, (propagate_initial, mode))


def _problem(
    s: EvolutionSetup,
    *,
    model: str,
    params: tuple[str, ...],
    units: dict[str, str],
    log_params: frozenset[str],
    bounds: dict[str, tuple[float, float]],
    start: dict[str, float],
    predict: Callable[[dict[str, float]], NDArray[np.float64]],
    notes: list[str],
    extra: dict[str, object],
    method: str,
) -> Problem:
    """The least-squares problem of an evolution fit on the setup's later data."""
    return Problem(
        model=model,
        params=params,
        units=units,
        log_params=log_params,
        bounds=bounds,
        start=start,
        fixed={},
        predict=predict,
        x_um=s.x_um,
        y=s.y,
        yerr=s.yerr,
        group=s.group,
        group_labels=s.labels,
        notes=(*s.notes, *notes),
        extra=extra,
        method=method,
    )


def _finish(
    s: EvolutionSetup,
    prob: Problem,
    segments_of: SegmentsOf,
    c_source: float | None,
    cs_from_fit: bool,
    options: tuple[bool, str | GrainStatistics],
) -> FitResult:
    """Fit ``prob``, fold in the initial-profile noise when asked and possible and the
    grain-sampling term, then assess."""
    propagate, mode = options
    result = run_problem(prob, assess=False)
    if not propagate:
        result = dataclasses.replace(
            result, notes=(*result.notes, "initial-profile noise not propagated (asked)")
        )
    status, _ = assess(result)
    if status in ("failed", "unconstrained"):
        # the delta method linearises around an optimum: here the data do not fix one
        note = "initial-profile noise not propagated: the data do not constrain the fit"
        return with_status(dataclasses.replace(result, notes=(*result.notes, note)))
    if propagate:
        result = _propagate(s, result, segments_of, c_source, cs_from_fit)
    segs = segments_of(result.values)
    # the response is not needed for the counting error only
    resp = None if mode == "homogeneous" else evolution_response(s, result, segs, c_source)
    factor = initial_noise_factor(s, result, segs, c_source, cs_from_fit) if propagate else None
    rate = initial_walk_rate(s)  # the initial profile's staircase carries the walk too
    return with_status(
        grain_sampling_error(result, resp, mode=mode, noise_factor=factor, q_other=rate)
    )


def _arrhenius_guess(
    s: EvolutionSetup,
    integrals: Callable[[float], list[list[tuple[str, float]]]],
    c_source: float | None,
) -> tuple[float, float]:
    """Per-profile best ``D0`` at a reference Ea by a grid, then a grid over Ea."""
    eas = np.arange(0.05, 3.0, 0.025)
    grid = 10.0 ** np.arange(-16.0, 2.0, 0.1)
    best = []
    for j, sl in enumerate(s.slices):
        segs = integrals(0.0)[j]  # Ea = 0: integrals are the durations; D from a grid
        chis = [
            float(
                np.sum((s.predict_one(j, [(b, g * i) for b, i in segs], c_source) - s.y[sl]) ** 2)
            )
            for g in grid
        ]
        best.append(math.log(float(grid[int(np.argmin(chis))])))
    scores = []
    for ea in eas:
        # effective isothermal D of profile j at this Ea: D0 * I_j(Ea) / I_j(0)
        li = np.array(
            [
                math.log(sum(i for _, i in a) / sum(i for _, i in b))
                for a, b in zip(integrals(float(ea)), integrals(0.0), strict=True)
            ]
        )
        ln_d0 = float(np.mean(np.array(best) - li))
        scores.append((float(np.sum((np.array(best) - li - ln_d0) ** 2)), ln_d0, float(ea)))
    _, ln_d0, ea = min(scores)
    return math.exp(ln_d0), ea


def fit_arrhenius_evolution(
    initial: ProfileData,
    later: Sequence[ProfileData],
    *,
    histories: Sequence[ThermalHistory],
    c_source: float | None = None,
    initial_mode: str = "measured",
    initial_time_s: float | None = None,
    domain_um: tuple[float, float] | None = None,
    propagate_initial: bool = True,
    microstructure: str | GrainStatistics | None = "estimate",
) -> FitResult:
    """Global fit of ``D0`` (cm^2/s) and ``Ea`` (eV): later profile j after ``histories[j]``.

    Each history runs from the initial profile to that later profile; "source" stages hold the
    surface at ``c_source`` (default: the erfc fit's ``C_s`` with ``initial_mode="erfc"``).
    ``microstructure`` as in :func:`fit_evolution`.
    """
    initial, later = as_profile_data(initial), [as_profile_data(p) for p in later]
    mode = resolve_microstructure(microstructure)
    hs, _ = _history_segments(None, histories, len(later))
    temps = {round(st.temperature_K, 6) for h in hs for st in h.stages}
    temps |= {round(st.end_temperature_K, 6) for h in hs for st in h.stages if st.end_temperature_K}
    if len(temps) < 2:
        raise FitError("an Arrhenius fit needs histories at two or more temperatures")
    s = build_setup(
        initial, later, mode=initial_mode, initial_time_s=initial_time_s, domain_um=domain_um
    )
    cs, cs_from_fit, notes = _source_value(s, hs, c_source)
    integrals, segments_of = _arrhenius_segments(hs)

    def predict(values: dict[str, float]) -> NDArray[np.float64]:
        return s.predict(segments_of(values), c_source=cs)

    d0, ea = _arrhenius_guess(s, integrals, cs)
    extra = dict(s.extra, histories=[h.to_dict() for h in hs], profiles=list(s.labels))
    prob = _problem(
        s,
        model="evolution-arrhenius",
        params=("D0", "Ea"),
        units={"D0": "cm^2/s", "Ea": "eV"},
        log_params=frozenset({"D0"}),
        bounds={"D0": (1e-30, 1e12), "Ea": (0.0, 5.0)},
        start={"D0": d0, "Ea": ea},
        predict=predict,
        notes=notes,
        extra=extra,
        method="global weighted least squares; exact transforms per stage segment, "
        "integral D(T(t)) dt",
    )
    return _finish(s, prob, segments_of, cs, cs_from_fit, (propagate_initial, mode))
