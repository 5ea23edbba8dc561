"""Adapter of the ``impedance`` analysis: spectra to R, C, sigma and D_sigma per temperature,
their Arrhenius fits and the Haven ratios against tracer Arrhenius analyses (the study's
Fig. 5b,c).  It calls :func:`tracerdiff.impedance.analyze_series` and
:func:`tracerdiff.impedance.haven_ratios` with the spec's
:class:`~tracerdiff.impedance.ImpedanceOptions`, as ``tracerdiff impedance fit`` does."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from ..quantities import quantity
from .figures import new_figure, render
from .outcome import AnalysisOutput, FigureData, Table
from .schema_impedance import ImpedanceSpec
from .tasks import Inputs

__all__ = ["run_impedance"]

#: columns of the per-spectrum table: result key, unit suffix of its column names
_COLUMNS = (
    ("R_bulk", "ohm"),
    ("R_gb", "ohm"),
    ("C_bulk", "F"),
    ("C_gb", "F"),
    ("sigma_bulk", "S_cm"),
    ("sigma_gb_apparent", "S_cm"),
    ("sigma_total", "S_cm"),
    ("D_sigma_bulk", "cm2_s"),
    ("D_sigma_gb_apparent", "cm2_s"),
)
#: panels of the Arrhenius figure: (conductivity key, tracer spec field, panel title)
_PANELS = (
    ("sigma_bulk", "tracer", "(b) bulk"),
    ("sigma_gb_apparent", "tracer_gb", "(c) grain boundaries, (l/delta) D"),
)


def _tracer_fit(inputs: Inputs, aid: str | None) -> Any:
    if aid is None:
        return None
    fit = inputs.upstream[aid].objects.get("arrhenius")
    if fit is None:
        raise DataError(f"analysis {aid!r} is not an Arrhenius fit")
    return fit


def _spectra(spec: ImpedanceSpec) -> tuple[list[Any], list[float] | None]:
    from ..impedance import read_spectra

    spectra = [
        s for f in spec.files for s in read_spectra(f, format=spec.format, imag_sign=spec.imag_sign)
    ]
    temps = [float(t) for t in spec.temperatures] or None
    if temps and any(s.temperature_K is not None for s in spectra):
        raise ConfigError(
            f"analysis {spec.id!r}: a file has a temperature column; do not also give temperatures"
        )
    if temps and len(temps) != len(spectra):
        raise ConfigError(
            f"analysis {spec.id!r}: {len(temps)} temperatures for "
            f"{len(spectra)} spectra; give one per spectrum (or none)"
        )
    return spectra, temps


def _table(spec: ImpedanceSpec, series: Any) -> Table:
    cols = ["file", "T_K", "status"]
    for key, unit in _COLUMNS:
        cols += [f"{key}_{unit}", f"{key}_err_{unit}"]
    cols += ["chi2_red", "kk_residual"]
    rows = []
    for r in series.results:
        row: list[Any] = [Path(r.spectrum.source).name, r.temperature_K, r.status]
        for key, _ in _COLUMNS:
            v, e = r.value(key) if r.success and key in r.derived.values else (None, None)
            row += [v, e]
        row += [r.fit.chi2_red, r.kk.residual_rms]
        rows.append(tuple(row))
    return Table(
        f"{spec.id}_spectra",
        tuple(cols),
        tuple(rows),
        caption="Per spectrum: resistances, capacitances (Brug), conductivities and "
        "D_sigma with standard errors",
    )


def _arrhenius_figure(
    spec: ImpedanceSpec,
    series: Any,
    tracers: dict[str, Any],
) -> FigureData | None:
    """Fig. 5b,c: each conductivity's D_sigma (or sigma T) beside the tracer's D."""
    from ..models import plot_arrhenius

    panels = [
        (key, tracers.get(field), title) for key, field, title in _PANELS if key in series.arrhenius
    ]
    if not panels:
        return None
    fig = new_figure(width_in=5.2 * len(panels), height_in=4.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (key, tracer, title) in zip(axes, panels, strict=True):
        fit = series.arrhenius[key]
        own = dataclasses.replace(fit, label=f"{fit.label} (spectra)")
        fits = (
            [own]
            if tracer is None
            else [own, dataclasses.replace(tracer, label=f"{tracer.label or 'tracer'} (tracer)")]
        )
        plot_arrhenius(fits, ax=ax)
        ax.set_title(title)
    return render(
        fig,
        f"{spec.id}_arrhenius",
        "Conductivity from the spectra (Nernst-Einstein) "
        "beside the tracer diffusivities (the study's Fig. 5b,c)",
    )


def _nyquist_figure(spec: ImpedanceSpec, series: Any) -> FigureData:
    from ..impedance.plot import plot_nyquist

    n = len(series.results)
    cols = min(n, 4)
    rows = -(-n // cols)
    fig = new_figure(width_in=4.2 * cols, height_in=3.2 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, r in zip(axes, series.results, strict=False):
        plot_nyquist(r, ax)
        legend = ax.get_legend()
        if legend is not None:  # the file's full path: its name goes into the title
            legend.remove()
        t = "" if r.temperature_K is None else f"{r.temperature_K - 273.15:.0f} °C, "
        ax.set_title(f"{Path(r.spectrum.source).name}: {t}{r.status}", fontsize="small")
    for ax in axes[n:]:
        ax.set_axis_off()
    return render(
        fig,
        f"{spec.id}_nyquist",
        "Nyquist plots of the spectra (points) with the fitted circuits (lines)",
    )


def _haven(spec: ImpedanceSpec, series: Any, tracers: dict[str, Any]) -> dict[str, Any]:
    from ..impedance import haven_ratios

    if not tracers:
        return {}
    if not series.arrhenius:
        raise DataError(
            f"analysis {spec.id!r}: Haven ratios need spectra at two or more temperatures"
        )
    return haven_ratios(
        series, tracers.get("tracer"), gb_tracer=tracers.get("tracer_gb"), shared_ea=spec.shared_ea
    )


def _results(series: Any, haven: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, h in haven.items():
        out[f"haven_{name}"] = quantity(h.haven_ratio, h.haven_ratio_err, "", note=h.method)
    for key, fit in series.arrhenius.items():
        out[f"Ea_{key}"] = quantity(fit.ea_eV, fit.ea_err, "eV")
    out["n_spectra"] = len(series.results)
    out["status"] = [r.status for r in series.results]
    out["arrhenius"] = {k: v.to_dict() for k, v in series.arrhenius.items()}
    out["haven"] = {k: v.to_dict() for k, v in haven.items()}
    out["spectra"] = [r.to_dict() for r in series.results]
    out["notes"] = list(series.notes)
    return out


def _methods(spec: ImpedanceSpec, series: Any, haven: dict[str, Any]) -> str:
    opts = spec.options()
    circuit = opts.build_circuit().text
    text = (
        f"{len(series.results)} impedance spectra were fitted with {circuit} by weighted "
        f"complex least squares ({spec.weighting} weighting) and checked by lin-KK; arcs "
        "were assigned by their Brug capacitances."
    )
    if spec.thickness is not None and spec.area is not None:
        text += (
            f" Conductivities are sigma = d / (A R) with d = {spec.thickness.value:.3g} cm "
            f"and A = {spec.area.value:.3g} cm^2; D_sigma by Nernst-Einstein."
        )
    for name, h in haven.items():
        text += (
            f" Haven ratio ({name}): {h.haven_ratio:.3g} ± "
            f"{h.haven_ratio_err or float('nan'):.2g} by {h.method}."
        )
    return text


def run_impedance(spec: ImpedanceSpec, inputs: Inputs) -> AnalysisOutput:
    """Fit every spectrum, fit each conductivity over temperature, compare with the tracer."""
    from ..impedance import analyze_series

    spectra, temps = _spectra(spec)
    series = analyze_series(spectra, spec.options(inputs.study.sample), temps)
    tracers = {
        k: f
        for k in ("tracer", "tracer_gb")
        if (f := _tracer_fit(inputs, getattr(spec, k))) is not None
    }
    haven = _haven(spec, series, tracers)
    figures = [_nyquist_figure(spec, series)]
    arr = _arrhenius_figure(spec, series, tracers)
    if arr is not None:
        figures.insert(0, arr)
    warnings = tuple(
        f"{Path(r.spectrum.source).name}: status {r.status}"
        for r in series.results
        if r.status != "ok"
    )
    return AnalysisOutput(
        results=_results(series, haven),
        tables=(_table(spec, series),),
        figures=tuple(figures),
        methods=_methods(spec, series, haven),
        warnings=warnings,
        objects={"series": series, **{f"arrhenius_{k}": v for k, v in series.arrhenius.items()}},
    )
