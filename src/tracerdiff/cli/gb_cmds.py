"""``tracerdiff gb-map`` (k = D_gb/delta at every boundary of a fraction map) here;
``gb-step`` (:mod:`.gb_step_cmd`) and ``grains`` (:mod:`.grains_cmd`) in their own modules,
all three registered by :func:`register`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..errors import InputError
from ..outputs import check_writable
from .common import CALIBRATION_HINT, FIELD_OF_VIEW_HELP, emit, parse_q, read_counts
from .gb_args import FLUX_ANGLE_HELP, GUARD_HELP, RES_HELP, d_bulk_option, one_or_many
from .gb_step_cmd import gb_step
from .grains_cmd import grains

__all__ = ["gb_map", "gb_step", "grains", "register"]


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
    for p in (png, csv_out):
        if p is not None:
            check_writable(p, force=force)
    _check_route(micrograph, labels, points, lines, micrograph_pixel_size)
    options = map_options(
        d_bulk,
        delta=delta,
        guard=guard,
        resolution=resolution,
        window=window,
        min_length=min_length,
        min_pixels=min_pixels,
        curvature=curvature,
        order=order,
        width=width,
        flux_angle=flux_angle,
        lines=lines,
    )
    fds = _read_map(fraction_map, pixel_size, field_of_view)
    if micrograph is None:
        from .gb_map_boundaries import boundary_map_payload

        payload, text = boundary_map_payload(
            fds, fraction_map, labels, options=options, png=png, csv_out=csv_out, force=force
        )
        emit(payload, as_json=as_json, text=text)
        return
    from .gb_map_lines import micrograph_route

    assert points is not None and micrograph_pixel_size is not None  # _check_route
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


def map_options(
    d_bulk: str,
    *,
    delta: str,
    guard: str | None,
    resolution: str,
    window: str,
    min_length: str | None,
    min_pixels: int,
    curvature: str,
    order: int,
    width: str,
    flux_angle: list[float] | None,
    lines: list[str] | None,
) -> Any:
    """The :class:`~tracerdiff.grain_boundary.map_analysis.GBMapOptions` of ``gb-map``'s flags."""
    from ..grain_boundary.map_analysis import GBMapOptions

    db, db_err = d_bulk_option(d_bulk)
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
        "flux_angle_deg": one_or_many(flux_angle),
        "lines": list(lines) if lines else None,
    }
    return GBMapOptions(**opts)


def _check_route(
    micrograph: str | None,
    labels: str | None,
    points: list[str] | None,
    lines: list[str] | None,
    micrograph_pixel_size: str | None,
) -> None:
    """The boundary route (labels or segmentation) or the micrograph route, not a mix."""
    if micrograph is None:
        if points or lines or micrograph_pixel_size:
            raise InputError(
                "--points, --lines and --micrograph-pixel-size belong to the --micrograph route"
            )
        return
    if labels is not None or not points:
        raise InputError("--micrograph needs --points (>= 3) and cannot be combined with --labels")
    if micrograph_pixel_size is None:
        raise InputError(
            "--micrograph needs --micrograph-pixel-size (e.g. '0.5 um'); "
            "--pixel-size is the fraction map's"
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
