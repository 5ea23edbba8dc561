"""The figure of the page as a file (PNG or SVG): the fraction map with the lines and regions
drawn (:func:`tracerdiff.imaging.plot_fraction_map`), and the current line's profile with
each boundary's two fitted polynomials (:func:`tracerdiff.grain_boundary.plot.
plot_profile_steps`, the profile panel of ``gb-step --png``), on the project's Agg figure."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    import xarray as xr

    from ..imaging.options import ProfileLine
    from .regions import Polygon, Rect
    from .session import LineAnalysis

__all__ = ["FIGURE_FORMATS", "save_figure", "view_figure"]

#: file name suffix -> matplotlib format
FIGURE_FORMATS = {".png": "png", ".svg": "svg"}


def _outline(shape: Rect | Polygon) -> list[tuple[float, float]]:
    from .regions import Rect

    if isinstance(shape, Rect):
        s = shape
        return [(s.x0_um, s.y0_um), (s.x1_um, s.y0_um), (s.x1_um, s.y1_um), (s.x0_um, s.y1_um)]
    return list(shape.vertices_um)


def view_figure(fds: xr.Dataset, analysis: LineAnalysis | None, *,
                lines: Sequence[ProfileLine] = (),
                shapes: Sequence[Rect | Polygon] = (), title: str = "") -> Any:  # fmt: skip
    """A matplotlib Figure: the map with ``lines`` (numbered) and ``shapes``; below it the
    profile of ``analysis`` with its boundaries and fits (when there is a line), ``title``
    above it."""
    from ..figures import new_figure
    from ..grain_boundary.plot import plot_profile_steps
    from ..imaging import plot_fraction_map

    fig = new_figure(width_in=7.5, height_in=7.5 if analysis is not None else 4.0)
    axes = fig.subplots(2, 1) if analysis is not None else [fig.add_subplot()]
    drawn = [(ln.start_um, ln.end_um, ln.width_um) for ln in lines]
    ax = plot_fraction_map(fds, axes[0], lines=drawn)
    for i, ln in enumerate(lines, start=1):
        ax.annotate(f"line {i}", ln.start_um, color="white", fontsize=7)
    for i, s in enumerate(shapes, start=1):
        xy = _outline(s)
        xs, ys = zip(*[*xy, xy[0]], strict=True)
        ax.plot(xs, ys, color="orange", lw=1.2)
        ax.annotate(f"region {i}", xy[0], color="orange", fontsize=7)
    if analysis is not None:
        st = analysis.steps
        ax1 = plot_profile_steps(st.x_um, st.C, st.C_err, list(analysis.results), ax=axes[1])
        ax1.set_title(title, fontsize=9)
    return fig


def save_figure(fig: Any, path: str | Path, *, force: bool = False) -> Path:
    """Write ``fig`` as PNG or SVG (by the suffix), atomically, not over a file unless
    ``force``."""
    from ..outputs import atomic_path

    p = Path(path)
    fmt = FIGURE_FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise InputError(f"{p.name}: a figure file name ends in .png or .svg")
    with atomic_path(p, force=force) as tmp:
        fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight")
    return p
