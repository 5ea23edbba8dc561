"""Adapters from study analyses to tracerdiff.fitting: profile fits and evolution fits.

Times and temperatures come from the thermal history: a profile fit uses the time since the
exchange began; an evolution fit the stages between the initial and each later measurement
(isothermal: one D at that temperature, reported as ``temperature`` for Arrhenius analyses).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..errors import ConfigError, DataError
from ..quantities import quantity
from .figures import format_duration, new_figure, render
from .outcome import AnalysisOutput, Table
from .plan import MeasurementTiming
from .schema import EvolutionFitSpec, ProfileFitSpec
from .tasks import Inputs

__all__ = ["run_evolution_fit", "run_profile_fit"]

_MODEL_NAMES = {"erfc": "erfc", "exchange": "exchange", "thin_film": "thin-film"}


def _profile_data(ds: Any, name: str) -> Any:
    """The profile of a measurement as the CLI reads a file (errors as given), named by its id."""
    from ..fitting import as_profile_data

    return dataclasses.replace(as_profile_data(ds), source=name)


def _split(fit: Any, spec_id: str) -> tuple[dict[str, Any], Table]:
    """Fit numbers without the data arrays, and the data as a table."""
    d = fit.to_dict()
    data = d.pop("data", None) or {}
    cols = [c for c in ("x_um", "y", "yerr", "curve", "residuals", "group") if data.get(c)]
    n = len(data.get("x_um") or [])
    rows = tuple(tuple(data[c][i] for c in cols) for i in range(n))
    names = {"y": "C", "yerr": "C_err", "curve": "C_fit"}
    return d, Table(
        f"{spec_id}_fit",
        tuple(names.get(c, c) for c in cols),
        rows,
        caption="Data, best-fit curve and normalised residuals",
    )


def _figure(fit: Any, spec_id: str, caption: str) -> Any:
    from ..fitting import plot_fit

    fig = new_figure(width_in=6.4, height_in=5.0)
    ax, rax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    plot_fit(fit, ax=ax, residuals=True, residual_ax=rax)
    return render(fig, f"{spec_id}_fit", caption)


def _timing(inputs: Inputs, mid: str, spec_id: str) -> MeasurementTiming:
    t = inputs.timings.get(mid)
    if t is None:
        raise ConfigError(
            f"analysis {spec_id!r}: measurement {mid!r} needs 'history' and "
            "'after' (or give 'time')"
        )
    return t


def run_profile_fit(spec: ProfileFitSpec, inputs: Inputs) -> AnalysisOutput:
    """Fit one profile (erfc, surface exchange or thin film) at the time since the exchange, by
    :func:`tracerdiff.fitting.fit_options.fit_profile_options` (the ``fit`` commands' function)."""
    from ..fitting.fit_options import ProfileFitOptions, fit_profile_options

    temperature = None
    fields = {name: getattr(spec, name) for name in ProfileFitOptions.model_fields}
    if spec.time_s is None:
        t = _timing(inputs, spec.measurement, spec.id)
        fields["time_s"] = t.time_since_exchange_s
        h = inputs.study.history(t.history)
        temps = {s.temperature for s in h.stages[: t.stage_index + 1]}
        temperature = temps.pop() if len(temps) == 1 else None
    if spec.posterior and spec.seed is None:
        fields["seed"] = int(inputs.seed.generate_state(1)[0])
    options = ProfileFitOptions(**fields)
    time_s = float(options.time_s or 0.0)
    fit = fit_profile_options(inputs.datasets[spec.measurement], options)
    results, table = _split(fit, spec.id)
    results["temperature"] = quantity(
        temperature, None, "K", note=None if temperature else "stages at several temperatures"
    )
    d = fit.values.get("D_eff", float("nan"))
    methods = (
        f"The {spec.model} solution was fitted to {spec.measurement} ({fit.n_points} "
        f"points, t = {format_duration(time_s)}) by weighted least squares: "
        f"D_eff = {d:.3g} cm^2/s (95 % interval from the profile likelihood)."
    )
    warnings = () if fit.converged else (f"fit did not converge: {fit.message}",)
    return AnalysisOutput(
        results=results,
        tables=(table,),
        methods=methods,
        warnings=warnings,
        figures=(_figure(fit, spec.id, f"{spec.model} fit of {spec.measurement}"),),
    )


def _evolution_stages(
    spec: EvolutionFitSpec, inputs: Inputs
) -> tuple[list[float], list[Any], set[float], bool]:
    """Per later measurement, the time since the initial one and its stages (as
    history.ThermalHistory); the stage temperatures; whether a stage supplies tracer."""
    from ..history import ThermalHistory
    from .plan import stages_between

    t0 = _timing(inputs, spec.initial, spec.id)
    h = inputs.study.history(t0.history)
    times, hists, temps, source = [], [], set(), False
    for mid in spec.later:
        t = _timing(inputs, mid, spec.id)
        stages = h.stages[t0.stage_index + 1 : t.stage_index + 1]
        source |= any(s.boundary_resolved == "source" for s in stages)
        times.append(float(sum(s.duration for s in stages)))
        temps |= {s.temperature for s in stages}
        hists.append(ThermalHistory(stages_between(h, t0.stage_index, t.stage_index)))
    return times, hists, temps, source


def _source_fraction(spec: EvolutionFitSpec, inputs: Inputs) -> float | None:
    """The one ``source_fraction`` of the tracer-supplying stages between the measurements."""
    t0 = _timing(inputs, spec.initial, spec.id)
    h = inputs.study.history(t0.history)
    last = max(_timing(inputs, m, spec.id).stage_index for m in spec.later)
    stages = [s for s in h.stages[t0.stage_index + 1 : last + 1] if s.boundary_resolved == "source"]
    fractions = {s.source_fraction for s in stages}
    return fractions.pop() if len(fractions) == 1 else None


def _evolution_options(
    spec: EvolutionFitSpec, inputs: Inputs
) -> tuple[Any, Any, list[float], list[float]]:
    """The EvolutionFitOptions of the analysis with the history's defaults, the histories to
    fit through (arrhenius, or source stages between the measurements), the elapsed times and
    the stage temperatures (K)."""
    from ..fitting.evolution_options import EvolutionFitOptions

    fields = {name: getattr(spec, name) for name in EvolutionFitOptions.model_fields}
    times, hists, temps, source = _evolution_stages(spec, inputs)
    if spec.initial_model == "erfc" and spec.initial_time_s is None:
        t0 = _timing(inputs, spec.initial, spec.id)
        fields["initial_time_s"] = inputs.study.history(t0.history).stages[0].duration
    if spec.posterior and spec.seed is None:
        fields["seed"] = int(inputs.seed.generate_state(1)[0])
    histories = hists if spec.fit == "arrhenius" else None
    if spec.fit == "D" and spec.times_s is None:
        if len(temps) != 1:
            raise DataError(
                f"analysis {spec.id!r}: the stages after {spec.initial!r} are at "
                f"{len(temps)} temperatures; one D needs isothermal stages "
                "(or fit = 'arrhenius')"
            )
        if source and spec.source_time_s is not None:
            raise ConfigError(
                f"analysis {spec.id!r}: the history has tracer-supplying stages between the "
                "measurements; source_time is for histories that do not record them"
            )
        if source:
            histories = hists
            if spec.c_source is None:
                fields["c_source"] = _source_fraction(spec, inputs)
        else:
            fields["times_s"] = times
    return EvolutionFitOptions(**fields), histories, list(spec.times_s or times), sorted(temps)


def _evolution_methods(
    spec: EvolutionFitSpec, fit: Any, times: list[float], temps: list[float]
) -> str:
    if spec.fit == "arrhenius":
        return (
            f"The profile {spec.initial} was evolved through the recorded stages at "
            f"{', '.join(f'{t - 273.15:.0f} °C' for t in temps)} and compared with "
            f"{', '.join(spec.later)} in one global fit of D = D0 exp(-Ea/kT): "
            f"Ea = {fit.values.get('Ea', float('nan')):.3g} eV."
        )
    at = f" at {temps[0] - 273.15:.0f} °C" if len(temps) == 1 else ""
    return (
        f"The profile {spec.initial} was evolved numerically (closed ends, exact "
        f"transform solution) for {', '.join(format_duration(t) for t in times)}{at} and "
        f"compared with {', '.join(spec.later)}: "
        f"D_eff = {fit.values.get('D_eff', float('nan')):.3g} cm^2/s."
    )


def run_evolution_fit(spec: EvolutionFitSpec, inputs: Inputs) -> AnalysisOutput:
    """Fit one D from how the initial profile evolves into the later ones (isothermal stages),
    or D0 and Ea globally (``fit = "arrhenius"``), by
    :func:`tracerdiff.fitting.evolution_options.fit_evolution_options` (the function of
    ``tracerdiff fit evolution``)."""
    from ..fitting.evolution_options import fit_evolution_options

    options, histories, times, temps = _evolution_options(spec, inputs)
    init = _profile_data(inputs.datasets[spec.initial], spec.initial)
    later = [_profile_data(inputs.datasets[m], m) for m in spec.later]
    fit = fit_evolution_options(init, later, options, histories=histories)
    results, table = _split(fit, spec.id)
    if spec.fit == "arrhenius":
        results["temperatures"] = [quantity(t, None, "K") for t in temps]
    else:
        if not np.isfinite(fit.values.get("D_eff", float("nan"))):
            raise DataError(f"analysis {spec.id!r}: the evolution fit gave no D_eff")
        one = temps[0] if len(temps) == 1 else None
        results["temperature"] = quantity(
            one, None, "K", note=None if one else "stages at several temperatures"
        )
        results["times_since_initial"] = [quantity(t, None, "s") for t in times]
    warnings = () if fit.converged else (f"fit did not converge: {fit.message}",)
    return AnalysisOutput(
        results=results,
        tables=(table,),
        methods=_evolution_methods(spec, fit, times, temps),
        warnings=warnings,
        figures=(_figure(fit, spec.id, f"Evolution of {spec.initial}"),),
    )
