"""``tracerdiff fraction`` (isotope-fraction map) and ``tracerdiff profile`` (line profile)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
from .common import FIELD_OF_VIEW_HELP, PIXEL_SIZE_HELP, emit, read_counts, save_png
from .fraction_flags import (
    check_outputs,
    check_png,
    fraction_options_from_flags,
    reader_options,
)
from .profile_cmd import profile

if TYPE_CHECKING:
    import xarray as xr

    from ..imaging.options import FractionOptions

__all__ = ["fraction", "fraction_options_from_flags", "profile", "register"]


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
    check_png(png)
    check_roi_options(roi, csv, force)
    outs = check_outputs([output, png], force)
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
    reader = reader_options(species, kind)
    ds = read_counts(
        files, pixel_size=pixel_size, field_of_view=field_of_view, require_length=False, **reader
    )
    payload, text = _fraction_run(ds, opts, pair, (output, png, roi, csv), force)
    payload["outputs"] = list(dict.fromkeys([*outs, *payload["outputs"]]))
    text += "".join(f"\nwrote {p}" for p in payload["outputs"])
    emit(payload, as_json=as_json, text=text)


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


def register(app: typer.Typer) -> None:
    """Add the ``fraction`` and ``profile`` commands to the app."""
    app.command("fraction")(fraction)
    app.command("profile")(profile)
