"""``tracerdiff grains``: grain statistics of an etched-surface micrograph or a label image
(ECDs, mean linear intercept, lognormal fit)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..outputs import check_writable
from .common import (
    CALIBRATION_HINT,
    FIELD_OF_VIEW_HELP,
    PIXEL_SIZE_HELP,
    calibration,
    emit,
    parse_q,
    save_png,
)

__all__ = ["grains"]


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
