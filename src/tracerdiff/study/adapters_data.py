"""Adapters from study measurements and analyses to tracerdiff.io, tracerdiff.imaging and
tracerdiff.grain_boundary: reading (image measurements become fraction maps once, shared by every
analysis that uses them), fraction maps, and the GB step analysis along lines (one part per line).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from ..plottext import literal
from ..quantities import quantity
from .figures import new_figure, render
from .outcome import AnalysisOutput, Table
from .schema import FractionMapSpec, GBStepsSpec, LineProfileSpec, Measurement
from .tasks import Inputs

__all__ = [
    "gb_parts",
    "gb_table",
    "load_measurement",
    "run_fraction_map",
    "run_gb_combine",
    "run_gb_part",
    "run_line_profile",
]


def load_measurement(m: Measurement, *, base_dir: Path | None = None) -> Any:
    """Read a measurement: images -> fraction dataset (corrections applied); profiles and spot
    line scans -> profile dataset (dim ``x_um``, ``C``, ``C_err``). A ``positions_um`` option
    naming a table is taken relative to ``base_dir`` (the study file's folder)."""
    from .. import io as tio

    opts = dict(m.options)
    pos = opts.get("positions_um")
    if isinstance(pos, str) and base_dir is not None and not Path(pos).is_absolute():
        opts["positions_um"] = base_dir / pos
    for key in ("time_window_s", "field_of_view_um"):
        if isinstance(opts.get(key), list):
            opts[key] = tuple(opts[key])
    if m.kind == "image":
        from ..imaging import fraction_map

        ds = (
            tio.open_dataset(m.files[0], **opts)
            if len(m.files) == 1
            else tio.open_images(m.files, **opts)
        )
        return fraction_map(ds, m.corrections, pair=m.pair)
    if m.kind == "spot_linescan":
        a, b = m.pair.split("/")
        return tio.read_spot_linescan(list(m.files), pair=(a, b), **opts)
    if len(m.files) != 1:
        raise ConfigError(f"measurement {m.id!r}: a profile is one CSV file, got {len(m.files)}")
    ds = tio.open_dataset(m.files[0], **opts)
    if "x_um" not in ds.dims or "C" not in ds:
        raise DataError(
            f"measurement {m.id!r}: {m.files[0].name} is not a profile (expected "
            "x_um and C columns)"
        )
    return ds


def run_fraction_map(spec: FractionMapSpec, inputs: Inputs) -> AnalysisOutput:
    """The map figure and the whole-field fraction from the summed counts."""
    from ..imaging import field_fraction, plot_fraction_map

    fr = inputs.datasets[spec.measurement]
    if "C" not in fr or fr["C"].ndim != 2:
        raise DataError(f"measurement {spec.measurement!r} is not an image")
    whole = field_fraction(fr).to_dict()
    fig = new_figure(width_in=7.0, height_in=3.6)
    plot_fraction_map(fr, ax=fig.add_subplot(), vmin=spec.vmin, vmax=spec.vmax)
    results = {
        "pair": whole["pair"],
        "shape": whole["shape"],
        "C_field": whole["C"],
        "C_field_sys_stderr": whole["C_sys_stderr"],
        "C_field_raw": whole["C_raw"],
        "normalised": whole["normalised"],
        "C_mean_pixel": whole["C_mean_pixel"],
        "n_masked": whole["n_masked"],
        "n_saturated": whole["n_saturated"],
        "corrections": _corrections(whole["corrections"]),
    }
    methods = (
        f"The {results['pair']} fraction map of {spec.measurement} was computed per pixel "
        "as C = n_a/(n_a + n_b) with binomial errors after the recorded corrections."
    )
    return AnalysisOutput(
        results=results,
        methods=methods,
        figures=(render(fig, f"{spec.id}_map", f"Isotope fraction map {spec.measurement}"),),
    )


def run_line_profile(spec: LineProfileSpec, inputs: Inputs) -> AnalysisOutput:
    """The profile along a line of an image measurement (the ``tracerdiff profile`` numbers)."""
    from ..imaging import line_profile, plot_fraction_map, plot_profile
    from ..imaging.profile_summary import profile_summary

    fr = inputs.datasets[spec.measurement]
    if "C" not in fr or fr["C"].ndim != 2:
        raise DataError(f"measurement {spec.measurement!r} is not an image")
    prof = line_profile(fr, spec.line)
    results = profile_summary(prof)
    cols = ["x_um", "C", "C_err", *(v for v in ("C_err_sys",) if v in prof), "n_pixels"]
    rows = tuple(
        tuple(float(prof[c].values[i]) if c != "n_pixels" else int(prof[c].values[i]) for c in cols)
        for i in range(prof.sizes["x_um"])
    )
    tab = Table(
        f"{spec.id}_profile",
        tuple(cols),
        rows,
        caption=f"Line profile of {spec.measurement} (counts summed across the width)",
    )
    fig = new_figure(width_in=7.0, height_in=6.0)
    ax0, ax1 = fig.subplots(2, 1)
    ln = spec.line
    plot_fraction_map(fr, ax0, lines=[(ln.start_um, ln.end_um, ln.width_um)])
    plot_profile(prof, ax1)
    methods = (
        f"A line profile of {spec.measurement} from {ln.start_um} to {ln.end_um} um, "
        f"{ln.width_um:g} um wide: counts summed in bins one pixel pitch long, then "
        "C of the sums."
    )
    return AnalysisOutput(
        results=results,
        tables=(tab,),
        methods=methods,
        figures=(render(fig, f"{spec.id}_profile", f"Line profile of {spec.measurement}"),),
    )


def _corrections(corr: Any) -> list[str]:
    """One line per recorded correction: its name, applied or not, and the reason or note."""
    items = json.loads(corr) if isinstance(corr, str) else list(corr or [])
    out = []
    for c in items:
        if not isinstance(c, dict):
            out.append(str(c))
            continue
        state = "applied" if c.get("applied") else "not applied"
        why = c.get("reason") or c.get("note") or ""
        out.append(f"{c.get('name', '?')}: {state}" + (f" ({why})" if why else ""))
    return out


def gb_parts(spec: GBStepsSpec) -> int:
    """One part per line (a profile measurement is one part)."""
    return max(1, len(spec.lines))


def _profile_for(spec: GBStepsSpec, inputs: Inputs, i: int, measurement: str) -> tuple[Any, Any]:
    ds = inputs.datasets[measurement]
    if "x_um" in ds.dims:
        if spec.lines:
            raise ConfigError(f"analysis {spec.id!r}: 'lines' need an image measurement")
        return ds, spec.boundaries
    if not spec.lines:
        raise ConfigError(f"analysis {spec.id!r}: an image measurement needs 'lines'")
    from ..imaging import line_profile

    ln = spec.lines[i]
    prof = line_profile(ds, ln)
    return prof, ln.boundaries


def step_options(spec: GBStepsSpec, inputs: Inputs, boundaries: Any) -> Any:
    """The :class:`~tracerdiff.grain_boundary.StepOptions` of one line of ``spec`` (its step
    keys; d_bulk, delta and dt default to [sample] and the history)."""
    from ..grain_boundary.options import StepOptions

    sample = inputs.study.sample
    fields = {name: getattr(spec, name) for name in StepOptions.model_fields}
    fields["boundaries"] = boundaries
    if fields["d_bulk"] is None:
        fields["d_bulk"] = sample.d_bulk
    if fields["d_bulk"] is None:
        raise ConfigError(f"analysis {spec.id!r} needs d_bulk (here or in [sample])")
    if fields["delta_nm"] is None:
        fields["delta_nm"] = sample.gb_width
    if spec.flux_from is not None and fields["dt_s"] is None:
        t0, t1 = inputs.timings.get(spec.measurement), inputs.timings.get(spec.flux_from)
        if t0 is None or t1 is None:
            raise ConfigError(
                f"analysis {spec.id!r}: give dt (no history places both "
                f"{spec.measurement!r} and {spec.flux_from!r})"
            )
        fields["dt_s"] = t1.time_since_exchange_s - t0.time_since_exchange_s
    return StepOptions(**fields)


def run_gb_part(spec: GBStepsSpec, inputs: Inputs, i: int) -> dict[str, Any]:
    """Step analysis of the boundaries on line ``i`` (positions given or detected), by
    :func:`tracerdiff.grain_boundary.analyze_profile_steps` (the ``gb-step`` function)."""
    from ..grain_boundary.profile_steps import analyze_profile_steps

    prof, where = _profile_for(spec, inputs, i, spec.measurement)
    later = None if spec.flux_from is None else _profile_for(spec, inputs, i, spec.flux_from)[0]
    res = analyze_profile_steps(prof, step_options(spec, inputs, where), later=later)
    return {
        "line": i,
        "x": res.x_um,
        "c": res.C,
        "e": res.C_err,
        "results": list(res.results),
        "detected": where == "auto",
        "flux": res.flux,
    }


def run_gb_combine(spec: GBStepsSpec, inputs: Inputs, parts: list[Any]) -> AnalysisOutput:
    """The table of every boundary, the summary (harmonic-mean k for the series model), figure."""
    from ..grain_boundary.table import GBTable

    good = [p for p in parts if isinstance(p, dict)]
    failed = [getattr(p, "reason", str(p)) for p in parts if not isinstance(p, dict)]
    table = GBTable.from_profiles([p["results"] for p in good])
    summary = table.summary
    k_stats = summary.get("D_gb_over_delta", {})
    results: dict[str, Any] = {
        "n_lines": len(parts),
        "n_boundaries": len(table.results),
        "k_harmonic_mean": k_stats.get(
            "harmonic_mean", quantity(None, None, "cm/s", note="no measured boundary")
        ),
        "summary": summary,
        "boundaries": table.to_dict()["boundaries"],
    }
    if spec.flux_from is not None:
        results["flux"] = [p["flux"] for p in good]
    tab = gb_table(
        table, f"{spec.id}_boundaries", "One row per grain boundary (the study's ESI table)"
    )
    fig = new_figure(width_in=7.0, height_in=2.2 * max(1, min(len(good), 4)))
    from ..grain_boundary import plot_profile_steps

    for j, p in enumerate(good[:4]):
        ax = fig.add_subplot(min(len(good), 4), 1, j + 1)
        plot_profile_steps(p["x"], p["c"], p["e"], p["results"], ax=ax)
        title = f"line {p['line'] + 1}" if spec.lines else literal(spec.measurement)
        ax.set_title(title, fontsize=9)
    methods = (
        f"At each of {len(table.results)} grain boundaries on {len(good)} line profile(s) "
        f"polynomials of order {spec.order} were fitted to both neighbouring grains; the "
        "jump dC_gb and the gradient at the boundary give k = D_gb/delta = D_b (dC/dy) / "
        "dC_gb with Fieller/profile-likelihood intervals."
    )
    caveats = []
    if spec.lines:
        caveats.append(
            "boundary angles are unknown on map lines: a line crosses inclined boundaries and "
            "boundaries that do not span its width, which smears the step into the gradient and "
            "biases k upward; locate the boundaries on a micrograph (gb_map) for values to quote"
        )
        results["caveat"] = caveats[0]
    return AnalysisOutput(
        results=results,
        tables=(tab,),
        methods=methods,
        warnings=(*failed, *caveats),
        figures=(
            render(
                fig,
                f"{spec.id}_profiles",
                "Profiles across the boundaries (dotted) with the fits of both sides",
            ),
        ),
    )


def gb_table(table: Any, name: str, caption: str) -> Table:
    """A report table from a :class:`~tracerdiff.grain_boundary.GBTable` (its CSV columns)."""
    rows = list(csv.reader(io.StringIO(table.to_csv_text())))
    return Table(
        name, tuple(rows[0]), tuple(tuple(_num(v) for v in r) for r in rows[1:]), caption=caption
    )


def _num(v: str) -> Any:
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() and "." not in v and "e" not in v.lower() else f
