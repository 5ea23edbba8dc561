"""``tracerdiff fraction`` (isotope-fraction map) and ``tracerdiff profile`` (line profile)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from ..outputs import check_writable
from .common import (
    FIELD_OF_VIEW_HELP,
    PIXEL_SIZE_HELP,
    emit,
    parse_point,
    parse_q,
    read_counts,
    save_png,
    with_calibration_hint,
)

if TYPE_CHECKING:
    import xarray as xr

    from ..imaging.options import FractionOptions

__all__ = ["fraction", "fraction_options_from_flags", "profile", "register"]


#: CLI flag of each FractionOptions field (so a validation error names the flag)
_FLAGS = {
    "shots_per_pixel": "--shots-per-pixel", "scans": "--scans", "dead_time": "--dead-time",
    "saturated": "--saturated", "bin": "--bin", "background": "--background",
    "source": "--source", "mass_resolution": "--mass-resolution", "em_tau_s": "--em-dead-time",
    "dwell_time_s": "--dwell-time", "imf_alpha": "--imf-alpha", "systematic": "--systematic",
    "drift": "--drift", "min_counts": "--min-counts",
}  # fmt: skip


def fraction_options_from_flags(given: dict[str, Any]) -> FractionOptions:
    """The one :class:`FractionOptions` from the parsed flags (times with units checked here);
    flags left at None take the library defaults."""
    from pydantic import ValidationError

    from ..imaging.options import FractionOptions

    opts = {k: v for k, v in given.items() if v is not None and k in _FLAGS}
    for key, flag, unit in (
        ("em_tau_s", "--em-dead-time", "ns"),
        ("dwell_time_s", "--dwell-time", "s"),
    ):
        if isinstance(opts.get(key), str):
            opts[key] = parse_q(opts[key], "time", option=flag, default_unit=unit)
    try:
        return FractionOptions(**opts)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else ""
        msg = str(err["msg"]).removeprefix("Value error, ").removeprefix(f"{key} ")
        raise InputError(f"{_FLAGS.get(key, key) + ': ' if key else ''}{msg}") from None


def profile_line(start: tuple[float, float], end: tuple[float, float], width: float) -> Any:
    """The :class:`~tracerdiff.imaging.ProfileLine` of ``--from``, ``--to`` and ``--width``."""
    from pydantic import ValidationError

    from ..imaging.options import ProfileLine

    try:
        return ProfileLine.model_validate({"start_um": start, "end_um": end, "width_um": width})
    except ValidationError as exc:
        raise InputError(f"--width: profile width must be > 0 um, got {width:g}") from exc


def _open(
    files: list[str],
    pixel_size: str | None,
    field_of_view: str | None,
    *,
    require_length: bool,
    **options: Any,
) -> xr.Dataset:
    return read_counts(
        files,
        pixel_size=pixel_size,
        field_of_view=field_of_view,
        require_length=require_length,
        **options,
    )


def _check_outputs(paths: list[str | None], force: bool) -> list[str]:
    """Refuse existing outputs (unless force) and unknown suffixes before any work is done."""
    out = []
    for p in paths:
        if p is None:
            continue
        check_writable(p, force=force)
        out.append(str(p))
    return out


def _check_png(png: str | None) -> None:
    if png is not None and Path(png).suffix.lower() != ".png":
        raise InputError(f"--png {png}: expected a file name ending in .png")


def _fraction_text(d: dict[str, Any]) -> str:
    c = d["C"]
    val = "n/a" if c["value"] is None else f"{c['value']:.5f} ± {c['stderr']:.2g}"
    if c["value"] is not None and d["C_sys_stderr"] > 0:
        extra = " (incl.)" if d["systematic_errors"] == "combined" else ""
        val += f" (stat.), ± {d['C_sys_stderr']:.2g} (syst.{extra})"
    if d["normalised"] and c["value"] is not None:
        val += f"; before normalisation {d['C_raw']['value']:.5f}"
    applied = [r["name"] for r in d["corrections"] if r.get("applied")]
    size = (
        f"{d['pixel_size_um'][0]:.4g} x {d['pixel_size_um'][1]:.4g} um"
        if d["calibrated"]
        else "no pixel size: lengths in pixels (--pixel-size to calibrate)"
    )
    lines = [
        f"pair {d['pair']}, {d['shape'][0]} x {d['shape'][1]} px ({size})",
        f"C (summed counts{', normalised' if d['normalised'] else ''}) = {val}",
        f"saturated {d['n_saturated']}, masked {d['n_masked']} pixel(s)",
        f"corrections: {', '.join(applied) or 'none'}",
    ]
    dt: dict[str, Any] = next((r for r in d["corrections"] if r["name"] == "dead_time"), {})
    if dt and not dt.get("applied"):
        lines.append(f"dead time not corrected: {dt.get('reason', '')}")
    lines += [f"warning: {w}" for w in d["warnings"]]
    lines += [f"wrote {p}" for p in d["outputs"]]
    return "\n".join(lines)


def fraction(
    files: Annotated[
        list[str], typer.Argument(help="Count image(s): one file, or one file per isotope.")
    ],
    pair: str = typer.Option("6Li/7Li", "--pair", help="Tracer/reference isotopes, e.g. 18O/16O."),
    shots_per_pixel: int | None = typer.Option(
        None, "--shots-per-pixel", help="ToF shots per pixel and scan."
    ),
    scans: int | None = typer.Option(
        None, "--scans", help="Scans accumulated (per frame for frame data)."
    ),
    dead_time: str = typer.Option("auto", "--dead-time", help="auto, tof, em or none."),
    saturated: str = typer.Option(
        "raise", "--saturated", help="raise (error) or nan (mask) for I >= N."
    ),
    bin_k: int = typer.Option(1, "--bin", help="Sum K x K pixels."),
    background: str | None = typer.Option(
        None, "--background", help="C_bg ('0.0759', '0.0759+-0.001', 'natural')."
    ),
    source: str | None = typer.Option(
        None, "--source", help="C_s of the tracer source, e.g. 0.95."
    ),
    mass_resolution: float | None = typer.Option(
        None, "--mass-resolution", help="M/dM of the measurement."
    ),
    em_dead_time: str | None = typer.Option(
        None, "--em-dead-time", help="Electron-multiplier dead time, e.g. '44 ns' (bare: ns)."
    ),
    dwell_time: str | None = typer.Option(
        None, "--dwell-time", help="Dwell time per pixel and frame, e.g. '1 ms' (bare: s)."
    ),
    imf_alpha: str | None = typer.Option(
        None, "--imf-alpha", help="IMF alpha = R_meas,std/R_true,std, e.g. '1.02+-0.01'."
    ),
    systematic: str = typer.Option(
        "separate",
        "--systematic",
        help="separate: C_err counting only, shared alpha/C_bg/C_s error in C_err_sys; "
        "combined: also add it into C_err.",
    ),
    drift: bool = typer.Option(
        True, "--drift/--no-drift", help="Align frames (phase correlation) before summing."
    ),
    min_counts: float = typer.Option(1.0, "--min-counts", help="Mask pixels with fewer counts."),
    pixel_size: str | None = typer.Option(None, "--pixel-size", help=PIXEL_SIZE_HELP),
    field_of_view: str | None = typer.Option(None, "--field-of-view", help=FIELD_OF_VIEW_HELP),
    species: str | None = typer.Option(
        None, "--species", help="Names of the files' (or pages') species, e.g. '18O,16O'."
    ),
    kind: str | None = typer.Option(None, "--kind", help="Force a reader, e.g. image."),
    roi: str | None = typer.Option(
        None, "--roi", help="Regions: label image, LANS .mat, 'cells' or shapes (um)."
    ),
    csv: str | None = typer.Option(None, "--csv", help="Write the --roi table (CSV)."),
    output: str | None = typer.Option(
        None, "-o", "--output", help="Write the map (.nc, .tif, .npz)."
    ),
    png: str | None = typer.Option(None, "--png", help="Write a PNG figure of the map."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing outputs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (keys in docs/cli.md)."),
) -> None:
    """Isotope-fraction map C = a/(a+b) with dead-time and other corrections recorded.

    Example: tracerdiff fraction Li6.txt Li7.txt --shots-per-pixel 1 --scans 400 -o map.nc --json
    """
    from .fraction_roi import check_roi_options

    if output is not None and Path(output).suffix.lower() not in (".nc", ".tif", ".tiff", ".npz"):
        raise InputError(f"-o {output}: unknown output suffix; use .nc, .tif or .npz")
    _check_png(png)
    check_roi_options(roi, csv, force)
    outs = _check_outputs([output, png], force)
    opts = fraction_options_from_flags(
        {
            "shots_per_pixel": shots_per_pixel,
            "scans": scans,
            "dead_time": dead_time,
            "saturated": saturated,
            "bin": bin_k,
            "background": background,
            "source": source,
            "mass_resolution": mass_resolution,
            "em_tau_s": em_dead_time,
            "dwell_time_s": dwell_time,
            "imf_alpha": imf_alpha,
            "systematic": systematic,
            "drift": drift,
            "min_counts": min_counts,
        }
    )
    reader = _reader_options(species, kind)
    ds = _open(files, pixel_size, field_of_view, require_length=False, **reader)
    payload, text = _fraction_run(ds, opts, pair, (output, png, roi, csv), force)
    payload["outputs"] = list(dict.fromkeys([*outs, *payload["outputs"]]))
    text += "".join(f"\nwrote {p}" for p in payload["outputs"])
    emit(payload, as_json=as_json, text=text)


def _reader_options(species: str | None, kind: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if species is not None:
        out["species"] = [t.strip() for t in species.replace("/", ",").split(",") if t.strip()]
    if kind is not None:
        out["kind"] = kind
    return out


def _fraction_run(
    ds: xr.Dataset,
    opts: FractionOptions,
    pair: str,
    files: tuple[str | None, str | None, str | None, str | None],
    force: bool,
) -> tuple[dict[str, Any], str]:
    """The map (or a count series' fraction), its outputs, the JSON payload and the text."""
    from ..imaging import InterferenceWarning, field_fraction, fraction_map
    from ..imaging.count_fraction import is_count_series

    output, png, roi, csv = files
    if is_count_series(ds):
        from .fraction_series import series_fraction, series_text

        if png is not None or roi is not None:
            raise InputError("--png and --roi apply to images; the file holds a count series")
        d = series_fraction(
            ds, pair=pair, options=opts.model_dump(exclude_unset=True), output=output, force=force
        )
        return d, series_text({**d, "outputs": []})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InterferenceWarning)
        fds = fraction_map(ds, opts, pair=pair)
    extra: dict[str, Any] = {}
    if roi is not None:
        from .fraction_roi import roi_regions

        extra = roi_regions(fds, ds, roi, csv, force)
    _write_fraction(fds, output, png, force)
    summary = field_fraction(fds, warnings=tuple(str(w.message) for w in caught))
    payload = {**summary.to_dict(), **extra, "outputs": [csv] if csv else []}
    text = _fraction_text({**payload, "outputs": []})
    if roi is not None:
        from .fraction_roi import roi_text

        text += "\n" + "\n".join(roi_text(extra["regions"]))
    return payload, text


def _write_fraction(fds: xr.Dataset, output: str | None, png: str | None, force: bool) -> None:
    from ..imaging import plot_fraction_map
    from ..io import write_dataset
    from ..outputs import OutputBatch

    with OutputBatch(force=force) as batch:  # all outputs appear at the end, or none
        if output is not None:
            write_dataset(fds, batch.path(output), force=True)
        if png is not None:
            from ..figures import new_figure

            fig = new_figure(width_in=7, height_in=4)
            plot_fraction_map(fds, fig.add_subplot())
            save_png(fig, str(batch.path(png)), force=True, dpi=150)


def _profile_payload(prof: xr.Dataset, outputs: list[str]) -> dict[str, Any]:
    from ..imaging.profile_summary import profile_summary

    return {**profile_summary(prof), "outputs": outputs}


def profile(
    files: Annotated[
        list[str], typer.Argument(help="A fraction map (.nc from 'fraction') or count image(s).")
    ],
    start: str = typer.Option(
        ..., "--from", help="Start point 'X0,Y0' (um unless a unit is given)."
    ),
    end: str = typer.Option(..., "--to", help="End point 'X1,Y1'."),
    width: str = typer.Option(..., "--width", help="Width across the line, e.g. '10' or '10 um'."),
    pair: str | None = typer.Option(
        None, "--pair", help="Isotopes for count images (default 6Li/7Li)."
    ),
    shots_per_pixel: int | None = typer.Option(
        None, "--shots-per-pixel", help="ToF shots per pixel and scan (count images)."
    ),
    scans: int | None = typer.Option(None, "--scans", help="Scans accumulated (count images)."),
    dead_time: str | None = typer.Option(
        None, "--dead-time", help="auto, tof, em or none (count images; default auto)."
    ),
    bin_k: int | None = typer.Option(None, "--bin", help="Sum K x K pixels (count images)."),
    background: str | None = typer.Option(
        None, "--background", help="C_bg ('0.0759', '0.0759+-0.001', 'natural'; count images)."
    ),
    source: str | None = typer.Option(None, "--source", help="C_s, e.g. 0.95 (count images)."),
    imf_alpha: str | None = typer.Option(
        None, "--imf-alpha", help="IMF alpha, e.g. '1.02+-0.01' (count images)."
    ),
    saturated: str | None = typer.Option(
        None, "--saturated", help="raise or nan for I >= N (count images)."
    ),
    systematic: str | None = typer.Option(
        None, "--systematic", help="separate or combined (count images)."
    ),
    pixel_size: str | None = typer.Option(None, "--pixel-size", help=PIXEL_SIZE_HELP),
    field_of_view: str | None = typer.Option(None, "--field-of-view", help=FIELD_OF_VIEW_HELP),
    species: str | None = typer.Option(
        None, "--species", help="Names of the files' (or pages') species, e.g. '6Li,7Li'."
    ),
    kind: str | None = typer.Option(None, "--kind", help="Force a reader, e.g. image."),
    output: str | None = typer.Option(None, "-o", "--output", help="Write the profile CSV."),
    png: str | None = typer.Option(
        None, "--png", help="Write a PNG (map with the line, and the profile)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite existing outputs."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (keys in docs/cli.md)."),
) -> None:
    """Line profile of the isotope fraction: counts summed across the width, then the ratio.

    Example: tracerdiff profile map.nc --from 10,100 --to 490,100 --width 15 -o profile.csv
    """
    from ..imaging import UncalibratedError, line_profile
    from ..imaging.summed import as_fraction_dataset

    p0 = parse_point(start, option="--from")
    p1 = parse_point(end, option="--to")
    w = parse_q(width, "length", option="--width", default_unit="um")
    assert w is not None
    _check_png(png)
    outs = _check_outputs([output, png], force)
    given = {
        "dead_time": dead_time,
        "shots_per_pixel": shots_per_pixel,
        "scans": scans,
        "bin": bin_k,
        "background": background,
        "source": source,
        "imf_alpha": imf_alpha,
        "saturated": saturated,
        "systematic": systematic,
    }
    flags = {k: v for k, v in given.items() if v is not None}
    ds = _open(
        files, pixel_size, field_of_view, require_length=True, **_reader_options(species, kind)
    )
    if "n_a" in ds.data_vars:  # a fraction map: its corrections are made
        fds = as_fraction_dataset(ds, pair=pair, **flags)  # refuses correction flags
    else:
        opts = fraction_options_from_flags(flags)
        fds = as_fraction_dataset(ds, pair=pair, options=opts)
    line = profile_line(p0, p1, w)
    try:
        prof = line_profile(fds, line)
    except UncalibratedError as exc:  # a map made in pixel units
        raise UncalibratedError(with_calibration_hint(exc)) from None
    _write_profile(fds, prof, output, png, force)
    payload = _profile_payload(prof, outs)
    text = "\n".join(
        [
            f"{payload['n_points']} points, pitch {payload['pitch']['value']:.4g} um, "
            f"width {w:g} um, {payload['n_empty']} empty"
        ]
        + [f"wrote {p}" for p in outs]
    )
    emit(payload, as_json=as_json, text=text)


def _write_profile(
    fds: xr.Dataset, prof: xr.Dataset, output: str | None, png: str | None, force: bool
) -> None:
    from ..imaging import plot_fraction_map, plot_profile
    from ..io import write_profile_csv

    if output is not None:
        write_profile_csv(prof, output, force=force)
    if png is not None:
        from ..figures import new_figure

        fig = new_figure(width_in=7, height_in=7)
        ax0, ax1 = fig.subplots(2, 1)
        line = (prof.attrs["start_um"], prof.attrs["end_um"], prof.attrs["width_um"])
        plot_fraction_map(fds, ax0, lines=[line])
        plot_profile(prof, ax1)
        save_png(fig, png, force=force, dpi=150)


def register(app: typer.Typer) -> None:
    """Add the ``fraction`` and ``profile`` commands to the app."""
    app.command("fraction")(fraction)
    app.command("profile")(profile)
