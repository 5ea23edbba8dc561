"""Impedance commands: ``impedance fit`` (spectra to resistances, capacitances,
conductivities, D_sigma and their Arrhenius fits).  Thin: parse quantities with units, call
:func:`tracerdiff.impedance.analyze_series`, print."""

from __future__ import annotations

from typing import Any

import typer

from ..errors import InputError, UnitError
from ..outputs import check_writable
from ..units import parse_quantity_with_error
from .common import emit, parse_q, parse_q_with_error, parse_t, save_png

__all__ = ["register"]

impedance_app = typer.Typer(
    name="impedance",
    help="Impedance spectra to bulk, grain-boundary and total conductivity.\n\n"
    'Example: tracerdiff impedance fit pellet.csv --thickness "1.0 mm" --area "0.2 cm^2"',
    no_args_is_help=True,
)

_JSON = typer.Option(False, "--json", help="Print JSON (stable keys, see docs/cli.md).")
_FILES = typer.Argument(..., help="Spectra: CSV/TSV or instrument exports.")
_TEMPERATURE = typer.Option(
    [], "--temperature", help="Temperature of each spectrum in order ('25 degC'; repeatable)."
)


def parse_area(text: str, *, option: str = "--area") -> tuple[float, float | None]:
    """An area with its unit ('0.2 cm^2', '20 mm^2', '0.2+-0.01 cm^2') in cm^2 (the unit
    parser's ``area`` kind); a bare number is refused (the unit decides cm^2 or mm^2)."""
    try:
        parse_quantity_with_error(text, "dimensionless")
    except UnitError:
        pass
    else:
        raise UnitError(
            f"{option}: {text!r} is not an area; expected something like '0.2 cm^2' or '20 mm^2'"
        )
    v, e = parse_q_with_error(text, "area", option=option)
    if not v > 0:
        raise InputError(f"{option} must be > 0, got {text!r}")
    return v, e


def _geometry(thickness: str | None, area: str | None) -> Any:
    from ..impedance import Geometry

    if (thickness is None) != (area is None):
        raise InputError("--thickness and --area go together (both or neither)")
    if thickness is None or area is None:
        return None
    d, d_err = parse_q_with_error(thickness, "length_cm", option="--thickness")
    if not d > 0:
        raise InputError(f"--thickness must be > 0, got {thickness!r}")
    a, a_err = parse_area(area)
    return Geometry(d, a, d_err, a_err)


def _read(files: list[str], fmt: str, imag_sign: str) -> list[Any]:
    from ..impedance import read_spectra

    return [s for f in files for s in read_spectra(f, format=fmt, imag_sign=imag_sign)]


def _png(series: Any, path: str, force: bool) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..impedance.plot import plot_bode, plot_nyquist, plot_residuals

    n = len(series.results)
    fig = Figure(figsize=(12.0, 3.6 * n), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(n, 3, squeeze=False)
    for row, r in zip(axes, series.results, strict=True):
        plot_nyquist(r, row[0])
        plot_bode(r, row[1])
        plot_residuals(r, row[2])
    save_png(fig, path, force=force, dpi=110)


def _haven(
    series: Any, tracer_table: str | None, gb_table: str | None, shared_ea: bool
) -> tuple[dict[str, Any], list[Any]]:
    """Haven ratios against the tracer's Arrhenius tables; also the tracer fits (for plots)."""
    from ..impedance import haven_ratios
    from ..models import fit_arrhenius_table

    if tracer_table is None and gb_table is None:
        return {}, []
    if not series.arrhenius:
        raise InputError(
            "Haven ratios need spectra at two or more temperatures, the geometry and --density"
        )
    tr = fit_arrhenius_table(tracer_table) if tracer_table else None
    gb = fit_arrhenius_table(gb_table) if gb_table else None
    out = haven_ratios(series, tr, gb_tracer=gb, shared_ea=shared_ea)
    return {k: v.to_dict() for k, v in out.items()}, [f for f in (tr, gb) if f is not None]


def _haven_text(haven: dict[str, Any]) -> str:
    from ..impedance.text import format_value

    lines = []
    for name, h in haven.items():
        q = h["haven_ratio"]
        lines.append(
            f"\nHaven ratio {name}: {format_value(q['value'], q['stderr'], '')} ({h['method']})"
        )
    return "".join(lines)


def _arrhenius_png(series: Any, tracers: list[Any], path: str, force: bool) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..models import plot_arrhenius

    if not series.arrhenius:
        raise InputError(
            "--arrhenius-png needs spectra at two or more temperatures and the geometry"
        )
    fig = Figure(figsize=(5.6, 4.4), layout="constrained")
    FigureCanvasAgg(fig)
    plot_arrhenius([*series.arrhenius.values(), *tracers], ax=fig.add_subplot())
    save_png(fig, path, force=force, dpi=120)


def fit(
    files: list[str] = _FILES,
    thickness: str | None = typer.Option(None, "--thickness", help="Sample thickness, '1.0 mm'."),
    area: str | None = typer.Option(None, "--area", help="Electrode area, '0.2 cm^2'."),
    temperature: list[str] = _TEMPERATURE,
    density: str | None = typer.Option(None, "--density", help="Carrier density, '5e21 cm^-3'."),
    charge: int = typer.Option(1, "--charge", help="Charge number z."),
    circuit: str | None = typer.Option(None, "--circuit", help="Circuit, 'R0-p(R1,CPE1)-CPE2'."),
    arcs: int = typer.Option(2, "--arcs", help="Arcs of the default circuit (1-3)."),
    electrode: bool = typer.Option(
        True, "--electrode/--no-electrode", help="Blocking-electrode CPE in the default circuit."
    ),
    series_r: bool = typer.Option(False, "--series-r", help="Add a series resistance R0."),
    inductance: bool = typer.Option(False, "--inductance", help="Add a series inductance L0."),
    weighting: str = typer.Option("modulus", "--weighting", help="modulus or unit."),
    delta: str | None = typer.Option(None, "--delta", help="GB thickness for delta/l, '0.5 nm'."),
    grain_size: str | None = typer.Option(None, "--grain-size", help="Grain size, '16 um'."),
    fmt: str = typer.Option(
        "auto",
        "--format",
        help="auto, csv, gamry, zplot, autolab, chinstruments, versastudio, parstat, powersuite.",
    ),
    imag_sign: str = typer.Option("auto", "--imag-sign", help="auto, z or minus_z."),
    tracer_table: str | None = typer.Option(
        None, "--tracer-table", help="Tracer D* Arrhenius table: bulk Haven ratio."
    ),
    tracer_gb_table: str | None = typer.Option(
        None, "--tracer-gb-table", help="Tracer l k table: GB Haven ratio."
    ),
    shared_ea: bool = typer.Option(False, "--shared-ea", help="Haven ratio with one Ea."),
    png: str | None = typer.Option(None, "--png", help="Write Nyquist/Bode/residual plots."),
    arrhenius_png: str | None = typer.Option(
        None, "--arrhenius-png", help="Write the Arrhenius plot of the conductivities."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the PNG files."),
    as_json: bool = _JSON,
) -> None:
    """Fit equivalent circuits to impedance spectra: R, C (Brug), conductivities, D_sigma.

    Example: tracerdiff impedance fit pellet_25C.csv --thickness "1.0 mm" --area "0.2 cm^2"
    --temperature "25 degC" --density "5e21 cm^-3" --json
    """
    from ..impedance import ImpedanceOptions, analyze_series

    geometry = _geometry(thickness, area)
    temps = [parse_t(t, option="--temperature") for t in temperature]
    for out in (png, arrhenius_png):
        if out:
            check_writable(out, force=force, inputs=files)
    opts = ImpedanceOptions(
        circuit=circuit,
        arcs=arcs,
        electrode=electrode,
        series_r=series_r,
        inductance=inductance,
        weighting=weighting,
        geometry=geometry,
        density_cm3=parse_q(density, "number_density", option="--density", positive=True),
        charge=charge,
        delta_nm=parse_q(delta, "length_nm", option="--delta", positive=True),
        grain_size_um=parse_q(grain_size, "length", option="--grain-size", positive=True),
    )
    spectra = _read(files, fmt, imag_sign)
    if temps and any(s.temperature_K is not None for s in spectra):
        raise InputError("a file has a temperature column; do not also give --temperature")
    if temps and len(temps) != len(spectra):
        raise InputError(
            f"{len(temps)} --temperature values for {len(spectra)} spectra; "
            "give one per spectrum (or none)"
        )
    series = analyze_series(spectra, opts, [float(t) for t in temps if t is not None] or None)
    payload = series.results[0].to_dict() if len(spectra) == 1 else series.to_dict()
    haven, tracers = _haven(series, tracer_table, tracer_gb_table, shared_ea)
    if haven:
        payload["haven"] = haven
    if png:
        _png(series, png, force)
        payload["png"] = png
    if arrhenius_png:
        _arrhenius_png(series, tracers, arrhenius_png, force)
        payload["arrhenius_png"] = arrhenius_png
    text = str(series.results[0]) if len(spectra) == 1 else str(series)
    text += _haven_text(haven)
    emit(payload, as_json=as_json, text=text)


def register(app: typer.Typer) -> None:
    """Add the ``impedance`` group (``impedance fit``) to the app."""
    impedance_app.command("fit")(fit)
    app.add_typer(impedance_app, name="impedance")
