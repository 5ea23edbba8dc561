"""``tracerdiff profile``: a line profile of the isotope fraction (counts summed across the
width, then the ratio) from a fraction map or from count images."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError
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
from .fraction_flags import (
    check_outputs,
    check_png,
    fraction_options_from_flags,
    reader_options,
)

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["profile", "profile_line"]


def profile_line(start: tuple[float, float], end: tuple[float, float], width: float) -> Any:
    """The :class:`~tracerdiff.imaging.ProfileLine` of ``--from``, ``--to`` and ``--width``."""
    from pydantic import ValidationError

    from ..imaging.options import ProfileLine

    try:
        return ProfileLine.model_validate({"start_um": start, "end_um": end, "width_um": width})
    except ValidationError as exc:
        raise InputError(f"--width: profile width must be > 0 um, got {width:g}") from exc


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

    p0 = parse_point(start, option="--from")
    p1 = parse_point(end, option="--to")
    w = parse_q(width, "length", option="--width", default_unit="um")
    assert w is not None
    check_png(png)
    outs = check_outputs([output, png], force)
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
    ds = read_counts(
        files,
        pixel_size=pixel_size,
        field_of_view=field_of_view,
        require_length=True,
        **reader_options(species, kind),
    )
    fds = _fraction_dataset(ds, pair, flags)
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


def _fraction_dataset(ds: xr.Dataset, pair: str | None, flags: dict[str, Any]) -> xr.Dataset:
    """The fraction map to take the profile from: a map as it is (correction flags refused, its
    corrections are made), count images through the one :class:`FractionOptions`."""
    from ..imaging.summed import as_fraction_dataset

    if "n_a" in ds.data_vars:
        return as_fraction_dataset(ds, pair=pair, **flags)
    return as_fraction_dataset(ds, pair=pair, options=fraction_options_from_flags(flags))


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
