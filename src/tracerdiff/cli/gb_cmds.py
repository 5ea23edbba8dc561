"""``tracerdiff gb-step`` (k = D_gb/delta per boundary of a profile), ``tracerdiff grains``
(grain statistics of a micrograph) and ``tracerdiff gb-map`` (a whole map's boundaries)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..outputs import check_writable
from .common import (
    CALIBRATION_HINT,
    FIELD_OF_VIEW_HELP,
    PIXEL_SIZE_HELP,
    calibration,
    emit,
    parse_q,
    parse_q_with_error,
    read_counts,
    save_png,
)
from .gb_text import _text

__all__ = ["gb_step", "register"]


GUARD_HELP = "Guard band left out each side of a GB (default 2.5 x --resolution)."
RES_HELP = "Lateral resolution of the image; sets the default guard band (2.5 x)."
FLUX_ANGLE_HELP = (
    "Signed angle (deg) of the long-range diffusion direction from the line: 0 (default) when"
    " the line runs along it, the GB angle when diffusion runs along the GB normal."
)


def _one_or_many(values: list[float] | None) -> float | list[float]:
    """CLI angle list -> one angle (deg, default 0) or one per item."""
    return (values[0] if len(values) == 1 else list(values)) if values else 0.0


def _d_bulk(text: str) -> tuple[float, float | None]:
    v, e = parse_q_with_error(text, "diffusivity", option="--d-bulk")
    if not v > 0 or (e is not None and e < 0):
        raise InputError(f"--d-bulk must be positive, got {text!r}")
    return v, e


def _profile(path: str) -> Any:
    from ..io import read_profile_csv

    return read_profile_csv(path)


def step_options(
    gb: list[str],
    *,
    d_bulk: str,
    delta: str,
    window: str | None,
    guard: str | None,
    resolution: str,
    order: int,
    angle: list[float] | None,
    flux_angle: list[float] | None,
    width: str | None,
    curvature: str,
    dt: str | None = None,
    closed_end: str | None = None,
    time: str | None = None,
) -> Any:
    """The :class:`~tracerdiff.grain_boundary.StepOptions` of ``gb-step``'s flags."""
    from ..grain_boundary.options import StepOptions

    names = [g.strip().lower() for g in gb]
    if "auto" in names and len(gb) > 1:
        raise InputError("--gb auto cannot be combined with explicit --gb positions")
    if names == ["auto"] and angle:
        raise InputError("--angle needs explicit --gb positions (not --gb auto)")
    if names == ["auto"] and flux_angle and len(flux_angle) > 1:
        raise InputError("--gb auto takes one --flux-angle")
    if closed_end not in (None, "left", "right"):
        raise InputError(f"--closed-end must be 'left' or 'right', got {closed_end!r}")
    db, db_err = _d_bulk(d_bulk)
    opts: dict[str, Any] = {
        "boundaries": "auto"
        if names == ["auto"]
        else [float(parse_q(g, "length", option="--gb", default_unit="um") or 0.0) for g in gb],
        "d_bulk": db,
        "d_bulk_err": db_err,
        "delta_nm": parse_q(delta, "length_nm", option="--delta"),
        "window_um": parse_q(window, "length", option="--window", default_unit="um"),
        "guard_um": parse_q(guard, "length", option="--guard", default_unit="um"),
        "resolution_um": parse_q(resolution, "length", option="--resolution", default_unit="um"),
        "order": order,
        "angle_deg": _one_or_many(angle),
        "flux_angle_deg": _one_or_many(flux_angle),
        "width_um": parse_q(width, "length", option="--width", default_unit="um"),
        "curvature": curvature,
        "dt_s": parse_q(dt, "time", option="--dt"),
        "closed_end": closed_end,
        "time_s": parse_q(time, "time", option="--time"),
    }
    return StepOptions(**opts)


def gb_step(
    profile: Annotated[str, typer.Argument(help="Profile CSV (x_um,C,C_err).")],
    gb: Annotated[list[str], typer.Option("--gb", help="GB position (um) or 'auto'; repeat.")],
    d_bulk: Annotated[
        str, typer.Option("--d-bulk", help="D_b, e.g. '2.6e-8 cm^2/s' or '2.6e-8+-0.3e-8 cm^2/s'.")
    ],
    delta: Annotated[str, typer.Option("--delta", help="GB width delta.")] = "0.5 nm",
    window: Annotated[
        str | None,
        typer.Option(
            "--window", help="Fit extent per side from the GB (default: up to the next GB)."
        ),
    ] = None,
    guard: Annotated[str | None, typer.Option("--guard", help=GUARD_HELP)] = None,
    resolution: Annotated[str, typer.Option("--resolution", help=RES_HELP)] = "1 um",
    order: Annotated[int, typer.Option("--order", help="Polynomial order 1 or 2.")] = 2,
    angle: Annotated[
        list[float] | None,
        typer.Option(
            "--angle",
            help="Signed angle of the GB normal from the profile (deg): one, or one per --gb.",
        ),
    ] = None,
    flux_angle: Annotated[
        list[float] | None,
        typer.Option("--flux-angle", help=FLUX_ANGLE_HELP + " One, or one per --gb."),
    ] = None,
    width: Annotated[
        str | None,
        typer.Option(
            "--width", help="Profile width (default from the file) for the inclined-GB smearing."
        ),
    ] = None,
    curvature: Annotated[
        str,
        typer.Option(
            "--curvature",
            help="Curvature at the GB: shared (default, quasi-steady grains), separate or auto.",
        ),
    ] = "shared",
    flux_from: Annotated[
        str | None,
        typer.Option(
            "--flux-from",
            help="Later profile of the same line (same grid): flux estimator k = -J/dC_gb.",
        ),
    ] = None,
    dt: Annotated[
        str | None, typer.Option("--dt", help="Time between PROFILE and --flux-from, e.g. '16 d'.")
    ] = None,
    closed_end: Annotated[
        str | None,
        typer.Option("--closed-end", help="Flux: integrate from this closed end (left|right)."),
    ] = None,
    time: Annotated[
        str | None,
        typer.Option("--time", help="Flux: exchange time of PROFILE (source on at x = 0)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    png: Annotated[str | None, typer.Option("--png", help="Write the figure (PNG).")] = None,
    csv_out: Annotated[str | None, typer.Option("--csv", help="Write the table (CSV).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite outputs.")] = False,
) -> None:
    """D_gb/delta at each grain boundary of a profile from the fraction step.

    With --flux-from LATER.csv --dt T the flux J at each GB comes from the change between the
    two profiles and k = -J/dC_gb is analysed on their mean profile: --closed-end left|right
    integrates from a closed end (a sample edge without supply), --time T1 (exchange time of
    PROFILE) estimates the flux through the far end from an erfc fit of both.  --gb auto finds
    the steps but not the GB angles: it says so; on a map use 'tracerdiff gb-map'.

    Example: tracerdiff gb-step profile.csv --gb 32.5 --gb 48 --d-bulk "2.6e-8 cm^2/s" --json
    """
    from ..grain_boundary.profile_steps import ANGLES_UNKNOWN, analyze_profile_steps

    for p in (png, csv_out):
        if p is not None:
            check_writable(p, force=force)
    if (flux_from is None) != (dt is None):
        raise InputError("--flux-from and --dt go together")
    opts = step_options(
        gb,
        d_bulk=d_bulk,
        delta=delta,
        window=window,
        guard=guard,
        resolution=resolution,
        order=order,
        angle=angle,
        flux_angle=flux_angle,
        width=width,
        curvature=curvature,
        dt=dt,
        closed_end=closed_end,
        time=time,
    )
    later = None if flux_from is None else _profile(flux_from)
    try:
        res = analyze_profile_steps(_profile(profile), opts, later=later)
    except InputError as exc:
        if "grid" not in str(exc):
            raise
        raise InputError(f"--flux-from {flux_from}: not on the grid of the first profile") from None
    payload: dict[str, Any] = {"profile": str(Path(profile)), **res.to_dict()}
    if flux_from is not None:
        payload["flux"] = {"later_profile": str(Path(flux_from)), **payload["flux"]}
    if csv_out is not None:
        res.table.write_csv(csv_out, force=force)
    if png is not None:
        from ..grain_boundary import step_figure

        save_png(step_figure(res.x_um, res.C, res.C_err, list(res.results)), png, force=force)
    text = _text(list(res.results), payload["summary"])
    if res.detection is not None:
        text += "\nnote: " + ANGLES_UNKNOWN["note"]
    emit(payload, as_json=as_json, text=text)


def grains(
    micrograph: Annotated[str, typer.Argument(help="Micrograph image (PNG/TIFF/.npy).")],
    pixel_size: Annotated[str | None, typer.Option("--pixel-size", help=PIXEL_SIZE_HELP)] = None,
    field_of_view: Annotated[
        str | None, typer.Option("--field-of-view", help=FIELD_OF_VIEW_HELP)
    ] = None,
    labels: Annotated[
        bool | None,
        typer.Option(
            "--labels/--no-labels",
            help="The image is a label image (default: integer .npy files are).",
        ),
    ] = None,
    direction: Annotated[
        str, typer.Option("--direction", help="Intercept direction x or y.")
    ] = "x",
    line_width: Annotated[str, typer.Option("--line-width", help="Groove width.")] = "1 um",
    min_grain: Annotated[str, typer.Option("--min-grain", help="Smallest grain (ECD).")] = "2 um",
    bright_lines: Annotated[
        bool, typer.Option("--bright-lines", help="Boundaries are bright.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    png: Annotated[str | None, typer.Option("--png", help="Write a figure (PNG).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite outputs.")] = False,
) -> None:
    """Grain sizes of an etched-surface micrograph (or a label image): ECDs, mean linear
    intercept, lognormal fit.

    Example: tracerdiff grains laser.png --pixel-size "0.5 um" --direction x --json
    """
    from ..imaging.calibration import UncalibratedError
    from ..microstructure.grains import GrainOptions, analyze_grains, read_image

    if png is not None:
        check_writable(png, force=force)
    geo = calibration(pixel_size, field_of_view)
    opts: dict[str, Any] = {
        "pixel_size_um": geo.get("pixel_size_um"),
        "field_of_view_um": geo.get("field_of_view_um"),
        "labels": labels,
        "direction": direction,
        "bright_lines": bright_lines,
        "line_width_um": parse_q(line_width, "length", option="--line-width"),
        "min_grain_um": parse_q(min_grain, "length", option="--min-grain"),
    }
    options = GrainOptions(**opts)
    try:
        res = analyze_grains(micrograph, options)
    except UncalibratedError:
        raise UncalibratedError(f"grain sizes need a physical length: {CALIBRATION_HINT}") from None
    st, seg = res.statistics, res.segmentation
    payload = {"micrograph": micrograph, **res.to_dict()}
    if png is not None:
        from ..microstructure.plot import grains_figure

        save_png(grains_figure(read_image(micrograph)[0], seg, st), png, force=force)
    lg = st.lognormal
    text = (
        f"{seg.n_grains} grains ({st.ecd_um.size} inside; {res.how}); ECD mean "
        f"{st.ecd_um.mean():.3g} um; lognormal mean {lg.mean:.3g} um, sd {lg.sd:.3g} um; "
        f"mean linear intercept ({direction}) {st.mli_um:.3g} ± {st.mli_err_um:.2g} um"
    )
    emit(payload, as_json=as_json, text=text)


MAP_PIXEL_HELP = (
    "Pixel size of the fraction map 'P' or 'PX,PY' (e.g. '1 um'; bare: um); overrides the file's."
)


def gb_map(
    fraction_map: Annotated[str, typer.Argument(help="Fraction map (.nc from 'fraction').")],
    d_bulk: Annotated[str, typer.Option("--d-bulk", help="D_b, e.g. '2.6e-8 cm^2/s'.")],
    labels: Annotated[
        str | None,
        typer.Option("--labels", help="Integer grain-label image on the map's grid (.npy/.tif)."),
    ] = None,
    micrograph: Annotated[
        str | None, typer.Option("--micrograph", help="Micrograph of the field (line route).")
    ] = None,
    points: Annotated[
        list[str] | None,
        typer.Option("--points", help="Control point 'COL,ROW=X,Y' (px = um); >= 3."),
    ] = None,
    micrograph_pixel_size: Annotated[
        str | None,
        typer.Option(
            "--micrograph-pixel-size",
            help="Pixel size of the micrograph (line route; required with it).",
        ),
    ] = None,
    pixel_size: Annotated[str | None, typer.Option("--pixel-size", help=MAP_PIXEL_HELP)] = None,
    field_of_view: Annotated[
        str | None, typer.Option("--field-of-view", help=FIELD_OF_VIEW_HELP)
    ] = None,
    lines: Annotated[
        list[str] | None,
        typer.Option("--lines", help="Line 'X0,Y0:X1,Y1' (um); default: along x every 2 widths."),
    ] = None,
    width: Annotated[str, typer.Option("--width", help="Profile width.")] = "20 um",
    delta: Annotated[str, typer.Option("--delta", help="GB width delta.")] = "0.5 nm",
    guard: Annotated[str | None, typer.Option("--guard", help=GUARD_HELP)] = None,
    resolution: Annotated[str, typer.Option("--resolution", help=RES_HELP)] = "1 um",
    flux_angle: Annotated[
        list[float] | None,
        typer.Option("--flux-angle", help=FLUX_ANGLE_HELP + " One, or one per --lines."),
    ] = None,
    order: Annotated[int, typer.Option("--order", help="Polynomial order 1 or 2.")] = 2,
    window: Annotated[
        str, typer.Option("--window", help="Boundary route: deepest fit pixel from the trace.")
    ] = "8 um",
    min_length: Annotated[
        str | None,
        typer.Option("--min-length", help="Boundary route: shortest boundary (default 2 guards)."),
    ] = None,
    min_pixels: Annotated[
        int, typer.Option("--min-pixels", help="Boundary route: fewest pixels per side.")
    ] = 8,
    curvature: Annotated[
        str, typer.Option("--curvature", help="Curvature at the GB: shared or separate.")
    ] = "shared",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    png: Annotated[str | None, typer.Option("--png", help="Write the map figures (PNG).")] = None,
    csv_out: Annotated[str | None, typer.Option("--csv", help="Write the table (CSV).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite outputs.")] = False,
) -> None:
    """k = D_gb/delta at every boundary of a fraction map, each along its own normal.

    With --labels (grain labels on the map's grid) or alone (boundaries segmented from the map)
    every boundary between two grains is fitted from its two grains' pixels, and a lognormal
    population pooled over all of them.  With --micrograph, --micrograph-pixel-size and
    --points: the crossings of profile lines (--lines, --width) with the GBs of a registered
    micrograph.  The map needs a physical pixel size (its own, or --pixel-size).

    Example: tracerdiff gb-map map.nc --labels grains.npy --d-bulk "2.6e-8 cm^2/s" --json
    """
    from ..grain_boundary.map_analysis import GBMapOptions

    for p in (png, csv_out):
        if p is not None:
            check_writable(p, force=force)
    db, db_err = _d_bulk(d_bulk)
    opts: dict[str, Any] = {
        "d_bulk": db,
        "d_bulk_err": db_err,
        "delta_nm": parse_q(delta, "length_nm", option="--delta"),
        "guard_um": parse_q(guard, "length", option="--guard", default_unit="um"),
        "resolution_um": parse_q(resolution, "length", option="--resolution", default_unit="um"),
        "window_um": parse_q(window, "length", option="--window", default_unit="um"),
        "min_length_um": parse_q(min_length, "length", option="--min-length", default_unit="um"),
        "min_pixels": min_pixels,
        "curvature": curvature,
        "order": order,
        "width_um": parse_q(width, "length", option="--width", default_unit="um"),
        "flux_angle_deg": _one_or_many(flux_angle),
        "lines": list(lines) if lines else None,
    }
    if micrograph is None and (points or lines or micrograph_pixel_size):
        raise InputError(
            "--points, --lines and --micrograph-pixel-size belong to the --micrograph route"
        )
    options = GBMapOptions(**opts)
    fds = _read_map(fraction_map, pixel_size, field_of_view)
    if micrograph is None:
        from .gb_map_boundaries import boundary_map_payload

        payload, text = boundary_map_payload(
            fds, fraction_map, labels, options=options, png=png, csv_out=csv_out, force=force
        )
        emit(payload, as_json=as_json, text=text)
        return
    if labels is not None or not points:
        raise InputError("--micrograph needs --points (>= 3) and cannot be combined with --labels")
    if micrograph_pixel_size is None:
        raise InputError(
            "--micrograph needs --micrograph-pixel-size (e.g. '0.5 um'); "
            "--pixel-size is the fraction map's"
        )
    from .gb_map_lines import micrograph_route

    micrograph_route(
        fds,
        fraction_map,
        micrograph,
        points,
        micrograph_pixel_size,
        options,
        as_json=as_json,
        png=png,
        csv_out=csv_out,
        force=force,
    )


def _read_map(path: str, pixel_size: str | None, field_of_view: str | None) -> Any:
    """A fraction map with a physical pixel size (its own or the one given)."""
    from ..imaging.calibration import UncalibratedError, is_pixel_units

    fds = read_counts(
        [path], pixel_size=pixel_size, field_of_view=field_of_view, require_length=True
    )
    if not all(v in fds for v in ("C", "C_err")):
        raise InputError(f"{path}: not a fraction map (needs C and C_err)")
    if is_pixel_units(fds):
        raise UncalibratedError(
            f"{path}: the map is in pixel units; the boundary analysis "
            f"needs a physical length: {CALIBRATION_HINT}"
        )
    return fds


def register(app: typer.Typer) -> None:
    """Add ``gb-step``, ``grains`` and ``gb-map`` to the app."""
    app.command("gb-step")(gb_step)
    app.command("grains")(grains)
    app.command("gb-map")(gb_map)
