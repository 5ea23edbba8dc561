"""Adapters from study analyses to tracerdiff.models: series model, Arrhenius, Nernst-Einstein,
Haven ratio, quench check. Each returns an :class:`AnalysisOutput` (numbers, tables, figures,
methods text); errors propagate and the task wrapper records them as the failure reason."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError, DataError, InputError
from ..quantities import quantity
from .figures import new_figure, render
from .outcome import AnalysisOutput, FigureData, Table
from .schema import (
    ArrheniusSpec,
    HavenRatioSpec,
    NernstEinsteinSpec,
    QuenchCheckSpec,
    SeriesModelSpec,
)
from .tasks import Inputs

__all__ = ["run_arrhenius", "run_haven", "run_nernst_einstein", "run_quench", "run_series"]


def _need(value: Any, what: str, aid: str) -> Any:
    if value is None:
        raise ConfigError(f"analysis {aid!r} needs {what}")
    return value


def _upstream_value(inputs: Inputs, aid: str, keys: tuple[str, ...]) -> dict[str, Any]:
    res: Any = inputs.upstream[aid].results
    for k in keys:
        if not isinstance(res, dict) or k not in res:
            raise DataError(f"analysis {aid!r} has no result {'.'.join(keys)!r}")
        res = res[k]
    if not isinstance(res, dict) or res.get("value") is None:
        raise DataError(f"analysis {aid!r}: result {'.'.join(keys)!r} has no value")
    return res


def _grain(
    spec: SeriesModelSpec, inputs: Inputs
) -> tuple[tuple[float, float | None], float | None, str]:
    """Grain size (um: mean, sd of single grains), the standard error of the mean (um, None
    when unknown) and where they came from."""
    sample = inputs.study.sample
    grain = spec.grain_size_um or (
        None if sample.grain_size is None else (sample.grain_size.value, sample.grain_size.stderr)
    )
    note = "given (+- taken as the sd of single grains)"
    se = spec.grain_size_error_um
    if spec.grain_size_from:
        mli = _upstream_value(inputs, spec.grain_size_from, ("mean_linear_intercept",))
        sd = _upstream_value(inputs, spec.grain_size_from, ("ecd_sd",))
        grain = (float(mli["value"]), float(sd["value"]))
        se = None if mli.get("stderr") is None else float(mli["stderr"])
        note = (
            f"mean linear intercept of {spec.grain_size_from!r} (with its standard error), "
            "spread: sd of the equivalent-circle diameters"
        )
    grain = _need(grain, "grain_size (here or in [sample]) or grain_size_from", spec.id)
    return grain, se, note


def _series(spec: SeriesModelSpec, inputs: Inputs, **values: Any) -> Any:
    """:func:`tracerdiff.models.series_options.series_model` (the ``series`` function) with the
    spec's options and the values taken from [sample] and other analyses."""
    from ..models.series_options import SeriesOptions, series_model

    fields = {name: getattr(spec, name) for name in SeriesOptions.model_fields}
    fields.update(values)
    if fields["delta_nm"] is None:
        fields["delta_nm"] = inputs.study.sample.gb_width
    return series_model(
        SeriesOptions(**fields), rng=inputs.rng() if spec.seed is None else spec.seed
    )


def run_series(spec: SeriesModelSpec, inputs: Inputs) -> AnalysisOutput:
    """D_eff (or k) of the polycrystal from D_b, k and the grain size."""
    if spec.d_eff_from:
        return _run_series_inverse(spec, inputs)
    sample = inputs.study.sample
    d_bulk = _need(spec.d_bulk or sample.d_bulk, "d_bulk (here or in [sample])", spec.id)
    grain, grain_se, grain_note = _grain(spec, inputs)
    k, k_err = spec.k, spec.k_err
    k_note = (
        f"given (taken as the {spec.k_mean} mean over the boundaries)"
        if spec.d_eff is None
        else "solved from the given D_eff"
    )
    if spec.k_from:
        kq = _upstream_value(inputs, spec.k_from, ("k_harmonic_mean",))
        k, k_err = float(kq["value"]), kq.get("stderr")
        k_note = f"harmonic mean of the boundaries of analysis {spec.k_from!r}"
    if spec.d_eff is None:  # else k is solved from the given D_eff
        k = _need(k, "k, k_from, d_eff or d_eff_from", spec.id)
    elif spec.k_from:
        raise ConfigError(f"analysis {spec.id!r}: give d_eff (solve for k) or k_from, not both")
    res = _series(
        spec,
        inputs,
        d_bulk=d_bulk,
        grain_size_um=grain,
        grain_size_error_um=grain_se,
        k=k,
        k_err=k_err,
    )
    out = res.to_dict()
    out["k_source"] = k_note
    out["grain_size_source"] = grain_note
    err = (
        "no standard error (no input standard errors)"
        if res.d_eff_err is None
        else f"standard error {res.d_eff_err:.2g} cm^2/s from the inputs' standard errors"
    )
    methods = (
        f"The {spec.model} model gave D_eff = {res.d_eff:.3g} cm^2/s ({err}) from D_b = "
        f"{d_bulk:.3g} cm^2/s, D_gb/delta = {res.k:.3g} cm/s ({k_note}) and grains of "
        f"{grain[0]:.3g} um; the spread of single-grain values (the study's '+-') is "
        "D_eff.spread."
    )
    return AnalysisOutput(results=out, methods=methods, objects={"effective": res})


def _d_bulk_at(spec: SeriesModelSpec, inputs: Inputs, temp_k: float) -> tuple[float, str]:
    """D_b (cm^2/s) at ``temp_k`` (K) from the bulk law, or the one-temperature d_bulk."""
    law = spec.d_bulk_arrhenius
    if law is not None:
        return law.at(temp_k), (
            f"bulk Arrhenius law: {law.D_ref:.3g} cm^2/s at "
            f"{law.T_ref - 273.15:.0f} °C, Ea = {law.Ea:.3g} eV"
        )
    if spec.d_bulk is not None:
        return spec.d_bulk, "d_bulk (given at the D_eff temperature)"
    sample = inputs.study.sample
    d_bulk = _need(
        sample.d_bulk, "d_bulk or d_bulk_arrhenius (here) or d_bulk in [sample]", spec.id
    )
    t_ref = sample.d_bulk_temperature
    if t_ref is not None and abs(t_ref - temp_k) > 0.5:
        raise ConfigError(
            f"analysis {spec.id!r}: D_eff of {spec.d_eff_from!r} is at "
            f"{temp_k - 273.15:.0f} °C but [sample] d_bulk is at "
            f"{t_ref - 273.15:.0f} °C; give d_bulk_arrhenius"
        )
    return d_bulk, "[sample] d_bulk"


def _run_series_inverse(spec: SeriesModelSpec, inputs: Inputs) -> AnalysisOutput:
    """k = D_gb/delta (cm/s) from the D_eff of ``spec.d_eff_from`` at its temperature."""
    src = _need(spec.d_eff_from, "d_eff_from", spec.id)
    d = _upstream_value(inputs, src, ("D_eff",))
    temp = float(_upstream_value(inputs, src, ("temperature",))["value"])
    d_eff = float(d["value"])
    d_err = None if d.get("stderr") is None else float(d["stderr"])
    d_bulk, bulk_note = _d_bulk_at(spec, inputs, temp)
    grain, grain_se, grain_note = _grain(spec, inputs)
    try:
        res = _series(
            spec,
            inputs,
            d_bulk=d_bulk,
            grain_size_um=grain,
            grain_size_error_um=grain_se,
            d_eff=d_eff,
            d_eff_err=d_err,
        )
    except InputError as exc:
        raise DataError(f"analysis {spec.id!r}: {exc}") from exc
    out = res.to_dict()
    out["D_gb_over_delta"]["note"] = (
        "stderr: from the standard errors of D_eff and of the mean "
        "grain size; spread: from sd(l) of single grains"
    )
    out["D_gb_over_delta_grain_err"] = quantity(
        res.k_spread,
        None,
        "cm/s",
        note="k spread from the sd of single grains alone (not an uncertainty; kept out of the "
        "stderr)",
    )
    out["D_eff"] = quantity(d_eff, d_err, "cm^2/s", note=f"from analysis {src!r}")
    out["grain_size"] = quantity(
        grain[0],
        grain_se,  # the standard error of the mean, not the sd of single grains
        "um",
        note=None if grain[1] is None else f"sd of single grains {grain[1]:.3g} um",
    )
    out["temperature"] = quantity(temp, None, "K")
    out.update(d_eff_source=src, d_bulk_source=bulk_note, grain_size_source=grain_note)
    methods = (
        f"Inverting the {spec.model} model, D_eff = {d_eff:.3g} cm^2/s ({src}, "
        f"{temp - 273.15:.0f} °C) with D_b = {d_bulk:.3g} cm^2/s ({bulk_note}) and grains of "
        f"{grain[0]:.3g} um gave D_gb/delta = {res.k:.3g} cm/s."
    )
    return AnalysisOutput(results=out, methods=methods, objects={"effective": res})


def _points(spec: ArrheniusSpec, inputs: Inputs) -> tuple[list[float], list[float], list[float]]:
    t, d, e = [], [], []
    if spec.table is not None:
        from ..models import read_arrhenius_table

        density = spec.density_cm3 or inputs.study.sample.li_density
        tab = read_arrhenius_table(
            spec.table, density_cm3=density, charge=spec.charge, allow_cold=spec.allow_cold
        )
        err = tab.D_err if tab.D_err is not None else np.full(tab.D.shape, np.nan)
        t += tab.temperature_K.tolist()
        d += tab.D.tolist()
        e += err.tolist()
    for p in spec.points:
        t.append(p.temperature)
        d.append(p.value)
        e.append(np.nan if p.stderr is None else p.stderr)
    for aid in spec.from_analyses:
        q = _upstream_value(inputs, aid, (spec.key,))
        temp = _upstream_value(inputs, aid, ("temperature",))
        t.append(float(temp["value"]))
        d.append(float(q["value"]))
        e.append(np.nan if q.get("stderr") is None else float(q["stderr"]))
    return t, d, e


def run_arrhenius(spec: ArrheniusSpec, inputs: Inputs) -> AnalysisOutput:
    """Weighted Arrhenius fit of the points gathered from tables, the file and other analyses."""
    from ..models import plot_arrhenius
    from ..models.arrhenius_options import arrhenius_analysis, extrapolation

    t, d, e = _points(spec, inputs)
    if len(t) < 2:
        raise DataError(
            f"analysis {spec.id!r}: an Arrhenius fit needs at least 2 temperatures, got {len(t)}"
        )
    err = np.asarray(e, dtype=float)
    use_err = None if np.isnan(err).any() else err
    is_k = spec.key == "D_gb_over_delta"
    unit = "cm/s" if is_k else "cm^2/s"
    res = arrhenius_analysis(np.asarray(t), np.asarray(d), use_err, spec, unit=unit, label=spec.id)
    fig = new_figure(width_in=5.5, height_in=4.2)
    plot_arrhenius(res, ax=fig.add_subplot())
    cols = ("T_K", "k_cm_s", "k_err_cm_s") if is_k else ("T_K", "D_cm2_s", "D_err_cm2_s")
    table = Table(
        f"{spec.id}_points",
        cols,
        tuple(zip(t, d, [None if np.isnan(x) else x for x in e], strict=True)),
        caption="Arrhenius data (tracerdiff arrhenius reads this table)",
    )
    out = res.to_dict()
    if spec.extrapolate_K:
        out["extrapolation"] = extrapolation(res, list(spec.extrapolate_K))
    methods = (
        f"An Arrhenius law was fitted to {len(t)} values ({spec.label or spec.id}) by "
        f"weighted least squares of ln D on 1/T: Ea = {res.ea_eV:.3g} ± {res.ea_err:.2g} "
        f"eV; errors: {res.error_method()}."
    )
    return AnalysisOutput(
        results=out,
        tables=(table,),
        figures=(render(fig, f"{spec.id}_arrhenius", "Arrhenius plot"),),
        methods=methods,
        objects={"arrhenius": res},
    )


def run_nernst_einstein(spec: NernstEinsteinSpec, inputs: Inputs) -> AnalysisOutput:
    """D_sigma per row of a conductivity table, and its Arrhenius fit."""
    from ..models import fit_arrhenius, plot_arrhenius, read_arrhenius_table

    density = _need(
        spec.density or inputs.study.sample.li_density,
        "density (here or li_density in [sample])",
        spec.id,
    )
    tab = read_arrhenius_table(spec.table, density_cm3=density, charge=spec.charge)
    rows = tuple(
        (float(tk), float(dv), None if tab.D_err is None else float(tab.D_err[i]))
        for i, (tk, dv) in enumerate(zip(tab.temperature_K, tab.D, strict=True))
    )
    table = Table(
        f"{spec.id}_d_sigma",
        ("T_K", "D_sigma_cm2_s", "D_sigma_err_cm2_s"),
        rows,
        caption=f"Nernst-Einstein D_sigma ({tab.source})",
    )
    results: dict[str, Any] = {
        "density": quantity(density, None, "cm^-3"),
        "source": tab.source,
        "n_points": len(rows),
    }
    figures: tuple[FigureData, ...] = ()
    objects: dict[str, Any] = {}
    if len(rows) >= 2:
        fit = fit_arrhenius(tab.temperature_K, tab.D, tab.D_err, label=f"D_sigma {spec.id}")
        results["arrhenius"] = fit.to_dict()
        objects["arrhenius"] = fit
        fig = new_figure(width_in=5.5, height_in=4.2)
        plot_arrhenius(fit, ax=fig.add_subplot())
        figures = (render(fig, f"{spec.id}_d_sigma", "D_sigma from conductivity"),)
    methods = (
        f"Conductivities were converted to D_sigma = sigma k_B T / (n z^2 e^2) with "
        f"n = {density:.3g} cm^-3, z = {spec.charge}."
    )
    return AnalysisOutput(
        results=results, tables=(table,), figures=figures, methods=methods, objects=objects
    )


def run_haven(spec: HavenRatioSpec, inputs: Inputs) -> AnalysisOutput:
    """H_R by :func:`tracerdiff.models.haven_options.haven_analysis` (the ``haven``
    function): from a tracer Arrhenius fit and a conductivity table, or from two values."""
    from ..models.arrhenius_options import ArrheniusOptions, arrhenius_of_table
    from ..models.haven_options import HavenOptions, haven_analysis

    fields = {name: getattr(spec, name) for name in HavenOptions.model_fields}
    fields["density_cm3"] = spec.density_cm3 or inputs.study.sample.li_density
    options = HavenOptions(**fields)
    if spec.tracer or spec.tracer_table or spec.conductivity_table:
        density = _need(options.density_cm3, "density (here or li_density in [sample])", spec.id)
        table_opts = ArrheniusOptions(**{"density_cm3": density, "allow_cold": spec.allow_cold})
        if spec.tracer:
            tracer = inputs.upstream[spec.tracer].objects.get("arrhenius")
            if tracer is None:
                raise DataError(f"analysis {spec.tracer!r} is not an Arrhenius fit")
        else:
            tracer = arrhenius_of_table(
                _need(spec.tracer_table, "tracer or tracer_table", spec.id), table_opts
            )
        cond = arrhenius_of_table(
            _need(spec.conductivity_table, "conductivity_table", spec.id), table_opts
        )
        res = haven_analysis(options, tracer_fit=tracer, conductivity_fit=cond)
    else:
        res = haven_analysis(options)
    at = "" if res.temperature_K is None else f" at {res.temperature_K:.1f} K"
    why = f" ({res.notes[0]})" if res.notes else ""
    methods = (
        f"The Haven ratio H_R = D*/D_sigma was obtained by {res.method}: "
        f"H_R{at} = {res.haven_ratio:.3g} ± {res.haven_ratio_err or float('nan'):.2g}"
        f"{why}."
    )
    return AnalysisOutput(results=res.to_dict(), methods=methods)


def _arrhenius_fit(inputs: Inputs, aid: str) -> Any:
    fit = inputs.upstream[aid].objects.get("arrhenius")
    if fit is None:
        raise DataError(f"analysis {aid!r} is not an Arrhenius fit")
    return fit


def run_quench(spec: QuenchCheckSpec, inputs: Inputs) -> AnalysisOutput:
    """Diffusion lengths during cryo imaging against the resolution."""
    from ..models import fit_arrhenius_table, quench_check

    if spec.arrhenius:
        fit = _arrhenius_fit(inputs, spec.arrhenius)
    else:
        fit = fit_arrhenius_table(_need(spec.table, "arrhenius or table", spec.id))
    name = fit.label if fit.label in ("D_b", "D_eff") else "D"
    fits = {name: fit}
    if spec.bulk_arrhenius:
        if name == "D_b":
            raise ConfigError(f"analysis {spec.id!r}: arrhenius is already the D_b law")
        fits["D_b"] = _arrhenius_fit(inputs, spec.bulk_arrhenius)
    res = quench_check(
        fits, stage_K=spec.stage_temperature, time_s=spec.time, resolution_um=spec.resolution
    )
    verdict = "stays below" if res.frozen else "does not stay below"
    methods = (
        f"Quench check of {' and '.join(fits)}: sqrt(2 D t) over {spec.time / 3600:.3g} h at "
        f"{spec.stage_temperature - 273.15:.0f} °C {verdict} the {spec.resolution:.3g} um "
        "resolution (upper 95 % band)."
    )
    return AnalysisOutput(results=res.to_dict(), methods=methods)
