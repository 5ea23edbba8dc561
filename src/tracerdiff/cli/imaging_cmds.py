"""``tracerdiff fraction`` (isotope-fraction map) and ``tracerdiff profile`` (line profile)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from ..errors import InputError
from ..outputs import check_writable
from ..quantities import quantity
from ..units import check_fraction01, parse_quantity_with_error
from .common import emit, parse_point, parse_q, save_png

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["fraction", "profile", "register"]


def _reference(text: str | None, option: str) -> float | str | tuple[float, float] | None:
    """``0.0759``, ``0.0759+-0.002`` or ``natural`` (background only)."""
    if text is None:
        return None
    if text.strip().lower() == "natural" and option == "--background":
        return "natural"
    try:
        v, e = parse_quantity_with_error(text, "dimensionless")
    except InputError:
        extra = " or 'natural'" if option == "--background" else ""
        raise InputError(
            f"{option}: expected a fraction such as 0.0759 or 0.0759+-0.001{extra}, got {text!r}"
        ) from None
    check_fraction01(v, what=option)
    return v if e is None else (v, e)


def _open(files: list[str]) -> xr.Dataset:
    from ..io import open_dataset, open_images

    if len(files) == 1:
        return open_dataset(files[0])
    return open_images(files)


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


def _fraction_options(given: dict[str, Any]) -> dict[str, Any]:
    """Keyword options of ``fraction_map`` from the parsed CLI options (units checked here)."""
    opts: dict[str, Any] = {
        k: given[k] for k in ("dead_time", "saturated", "bin", "min_counts", "systematic", "drift")
    }
    for key in ("shots_per_pixel", "scans", "mass_resolution"):
        if given[key] is not None:
            opts[key] = given[key]
    tau = parse_q(given["em_dead_time"], "time", option="--em-dead-time", default_unit="ns")
    if tau is not None:
        opts["em_tau_s"] = tau
    dwell = parse_q(given["dwell_time"], "time", option="--dwell-time", default_unit="s")
    if dwell is not None:
        opts["dwell_time_s"] = dwell
    if given["imf_alpha"] is not None:
        opts["imf_alpha"] = _alpha(given["imf_alpha"])
    opts["background"] = _reference(given["background"], "--background")
    opts["source"] = _reference(given["source"], "--source")
    return opts


def _alpha(text: str) -> float | tuple[float, float]:
    """``--imf-alpha 1.02`` or ``1.02+-0.01`` (R_meas,std / R_true,std)."""
    try:
        v, e = parse_quantity_with_error(text, "dimensionless")
    except InputError:
        raise InputError(
            f"--imf-alpha: expected a ratio such as 1.02 or 1.02+-0.01, got {text!r}"
        ) from None
    return v if e is None else (v, e)


def _fraction_payload(fds: xr.Dataset, caught: list[str], outputs: list[str]) -> dict[str, Any]:
    from ..imaging import region_stats

    whole = region_stats(fds, label="whole field")
    c = np.asarray(fds["C"].values, dtype=np.float64)
    mean = float(np.nanmean(c)) if np.isfinite(c).any() else None
    warn_list = list(json.loads(fds.attrs["warnings"])) + [w for w in caught if w]
    mode = str(fds.attrs.get("systematic_errors", "separate"))
    return {
        "pair": fds.attrs["pair"],
        "shape": [int(fds.sizes["y"]), int(fds.sizes["x"])],
        "pixel_size_um": [float(fds.attrs["pixel_size_x_um"]), float(fds.attrs["pixel_size_y_um"])],
        "C": quantity(whole.C, whole.C_err, "", note="from the summed counts of the whole field"),
        "C_sys_stderr": whole.C_err_sys,
        "systematic_errors": mode,
        "C_mean_pixel": quantity(mean, None, "", note="mean of the valid pixels"),
        "n_saturated": int(fds.attrs["n_saturated"]),
        "n_masked": int(fds.attrs["n_masked"]),
        "corrections": json.loads(fds.attrs["corrections"]),
        "warnings": list(dict.fromkeys(warn_list)),
        "outputs": outputs,
    }


def _fraction_text(d: dict[str, Any]) -> str:
    c = d["C"]
    val = "n/a" if c["value"] is None else f"{c['value']:.5f} ± {c['stderr']:.2g}"
    if c["value"] is not None and d["C_sys_stderr"] > 0:
        extra = " (incl.)" if d["systematic_errors"] == "combined" else ""
        val += f" (stat.), ± {d['C_sys_stderr']:.2g} (syst.{extra})"
    applied = [r["name"] for r in d["corrections"] if r.get("applied")]
    lines = [
        f"pair {d['pair']}, {d['shape'][0]} x {d['shape'][1]} px "
        f"({d['pixel_size_um'][0]:.4g} x {d['pixel_size_um'][1]:.4g} um)",
        f"C (summed counts) = {val}",
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
    from ..imaging import InterferenceWarning, fraction_map

    if output is not None and Path(output).suffix.lower() not in (".nc", ".tif", ".tiff", ".npz"):
        raise InputError(f"-o {output}: unknown output suffix; use .nc, .tif or .npz")
    _check_png(png)
    outs = _check_outputs([output, png], force)
    opts = _fraction_options(
        {
            "shots_per_pixel": shots_per_pixel,
            "scans": scans,
            "dead_time": dead_time,
            "saturated": saturated,
            "bin": bin_k,
            "background": background,
            "source": source,
            "mass_resolution": mass_resolution,
            "em_dead_time": em_dead_time,
            "dwell_time": dwell_time,
            "imf_alpha": imf_alpha,
            "systematic": systematic,
            "drift": drift,
            "min_counts": min_counts,
        }
    )
    ds = _open(files)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InterferenceWarning)
        fds = fraction_map(ds, pair=pair, **opts)
    _write_fraction(fds, output, png, force)
    payload = _fraction_payload(fds, [str(w.message) for w in caught], outs)
    emit(payload, as_json=as_json, text=_fraction_text(payload))


def _write_fraction(fds: xr.Dataset, output: str | None, png: str | None, force: bool) -> None:
    from ..imaging import plot_fraction_map
    from ..io import write_dataset
    from ..outputs import OutputBatch

    with OutputBatch(force=force) as batch:  # all outputs appear at the end, or none
        if output is not None:
            write_dataset(fds, batch.path(output), force=True)
        if png is not None:
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(7, 4))
            plot_fraction_map(fds, ax)
            save_png(fig, str(batch.path(png)), force=True, dpi=150)


def _profile_payload(prof: xr.Dataset, outputs: list[str]) -> dict[str, Any]:
    empty = int(np.count_nonzero(~np.isfinite(prof["C"].values)))
    return {
        "pair": prof.attrs["pair"],
        "start_um": list(prof.attrs["start_um"]),
        "end_um": list(prof.attrs["end_um"]),
        "width": quantity(prof.attrs["width_um"], None, "um"),
        "pitch": quantity(prof.attrs["pitch_um"], None, "um"),
        "n_points": int(prof.sizes["x_um"]),
        "n_empty": empty,
        "x_um": prof["x_um"].values,
        "C": prof["C"].values,
        "C_err": prof["C_err"].values,
        "C_err_sys": prof["C_err_sys"].values if "C_err_sys" in prof else None,
        "systematic_errors": str(prof.attrs.get("systematic_errors", "separate")),
        "n_pixels": prof["n_pixels"].values,
        "outputs": outputs,
    }


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
    dead_time: str = typer.Option(
        "auto", "--dead-time", help="auto, tof, em or none (count images)."
    ),
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
    from ..imaging import line_profile
    from ..imaging.summed import as_fraction_dataset

    p0 = parse_point(start, option="--from")
    p1 = parse_point(end, option="--to")
    w = parse_q(width, "length", option="--width", default_unit="um")
    assert w is not None
    _check_png(png)
    outs = _check_outputs([output, png], force)
    ds = _open(files)
    given = {
        "dead_time": dead_time if dead_time != "auto" else None,
        "shots_per_pixel": shots_per_pixel,
        "scans": scans,
    }
    opts = {k: v for k, v in given.items() if v is not None}  # a fraction map refuses them
    fds = as_fraction_dataset(ds, pair=pair, **opts)
    prof = line_profile(fds, start_um=p0, end_um=p1, width_um=w)
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
        import matplotlib.pyplot as plt

        fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(7, 7))
        line = (prof.attrs["start_um"], prof.attrs["end_um"], prof.attrs["width_um"])
        plot_fraction_map(fds, ax0, lines=[line])
        plot_profile(prof, ax1)
        save_png(fig, png, force=force, dpi=150)


def register(app: typer.Typer) -> None:
    """Add the ``fraction`` and ``profile`` commands to the app."""
    app.command("fraction")(fraction)
    app.command("profile")(profile)
