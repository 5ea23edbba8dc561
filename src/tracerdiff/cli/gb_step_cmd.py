"""``tracerdiff gb-step``: k = D_gb/delta at each grain boundary of a profile from the
fraction step (optionally with the flux between two profiles of the same line)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..outputs import check_writable
from .common import emit, parse_q, save_png
from .gb_args import FLUX_ANGLE_HELP, GUARD_HELP, RES_HELP, d_bulk_option, one_or_many
from .gb_text import _text

__all__ = ["gb_step", "step_options"]


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
    db, db_err = d_bulk_option(d_bulk)
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
        "angle_deg": one_or_many(angle),
        "flux_angle_deg": one_or_many(flux_angle),
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
    _write_outputs(res, csv_out, png, force)
    text = _text(list(res.results), payload["summary"])
    if res.detection is not None:
        text += "\nnote: " + ANGLES_UNKNOWN["note"]
        gone = res.left_out
        if gone:
            where = ", ".join(f"{g['position']['value']:.4g}" for g in gone)
            text += (
                f"\nnote: {len(gone)} detected step(s) left out (at {where} um): "
                + gone[0]["reason"].split(" of the larger")[0]
                + " of a larger step, taken as one boundary with it"
            )
    if flux_from is not None and payload["flux"].get("note"):
        text += "\nnote: " + payload["flux"]["note"]
    emit(payload, as_json=as_json, text=text)


def _write_outputs(res: Any, csv_out: str | None, png: str | None, force: bool) -> None:
    """The per-boundary table (CSV) and the figure of the profile with its fits (PNG)."""
    if csv_out is not None:
        res.table.write_csv(csv_out, force=force)
    if png is not None:
        from ..grain_boundary import step_figure

        save_png(step_figure(res.x_um, res.C, res.C_err, list(res.results)), png, force=force)
