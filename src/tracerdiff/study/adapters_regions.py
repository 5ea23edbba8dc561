"""Adapter of the ``regions`` analysis: the regions of interest of an image measurement through
:func:`tracerdiff.imaging.regions.roi_stats`, the function of ``tracerdiff fraction --roi``
(the fraction map of the measurement and its count images, for the raw counts per species)."""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError, DataError
from .figures import new_figure, render
from .outcome import AnalysisOutput, Table
from .schema import Measurement
from .schema_regions import RegionsSpec
from .tasks import Inputs

__all__ = ["run_regions"]


def _count_images(m: Measurement) -> Any:
    """The count images of an image measurement, read as the measurement is (its options)."""
    from .. import io as tio

    opts: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in m.options.items()}
    if len(m.files) == 1:
        return tio.open_dataset(m.files[0], **opts)
    return tio.open_images(m.files, **opts)


def _row(r: dict[str, Any], names: list[str]) -> tuple[Any, ...]:
    counts = [r["counts"][n] for n in names]
    c = r["C"]
    return (r["label"], r["n_pixels"], r["n_excluded"], *counts, c["value"], c["stderr"],
            r["C_sys_stderr"])  # fmt: skip


def _table(spec: RegionsSpec, d: dict[str, Any]) -> Table:
    names = list(d["regions"][0]["counts"]) if d["regions"] else []
    cols = ("label", "n_pixels", "n_excluded", *(f"counts_{n}" for n in names), "C", "C_err",
            "C_err_sys")  # fmt: skip
    rows = tuple(_row(r, names) for r in d["regions"])
    return Table(f"{spec.id}_regions", cols, rows,
                 caption=f"Regions of {spec.measurement}: pixels, summed counts, C")  # fmt: skip


def _figure(spec: RegionsSpec, fr: Any, shapes: list[Any]) -> Any:
    from ..imaging import plot_fraction_map
    from ..imaging.roi_masks import Rect

    fig = new_figure(width_in=7.0, height_in=3.6)
    ax = plot_fraction_map(fr, ax=fig.add_subplot())
    for i, s in enumerate(shapes, start=1):
        if isinstance(s, Rect):
            xy = [(s.x0_um, s.y0_um), (s.x1_um, s.y0_um), (s.x1_um, s.y1_um), (s.x0_um, s.y1_um)]
        else:
            xy = list(s.vertices_um)
        xs, ys = zip(*[*xy, xy[0]], strict=True)
        ax.plot(xs, ys, color="orange", lw=1.2)
        ax.annotate(str(i), xy[0], color="orange", fontsize=8)
    return render(fig, f"{spec.id}_regions", f"Regions of {spec.measurement}")


def run_regions(spec: RegionsSpec, inputs: Inputs) -> AnalysisOutput:
    """Pixels, summed counts per species and C +- error of every region (``fraction --roi``)."""
    from ..imaging.regions import roi_stats
    from ..imaging.roi_masks import parse_shapes

    fr = inputs.datasets[spec.measurement]
    if "C" not in fr or fr["C"].ndim != 2:
        raise DataError(f"measurement {spec.measurement!r} is not an image")
    m = next(m for m in inputs.study.measurements if m.id == spec.measurement)
    if m.kind != "image":
        raise ConfigError(f"analysis {spec.id!r}: regions need an image measurement")
    shapes = parse_shapes("\n".join(spec.shapes)) if spec.shapes else []
    mask: Any = shapes if shapes else spec.roi
    table = roi_stats(fr, mask, images=_count_images(m))
    d = table.to_dict()
    methods = (
        f"{d['n_regions']} region(s) of {spec.measurement} ({d['mask']}): the corrected counts "
        "of each region summed, then C of the sums with its binomial error."
    )
    return AnalysisOutput(
        results=d,
        tables=(_table(spec, d),),
        methods=methods,
        figures=(_figure(spec, fr, shapes),) if shapes else (),
    )
