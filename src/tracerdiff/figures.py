"""The one figure stack of tracerdiff: matplotlib ``Figure`` objects on an Agg canvas.

No pyplot state anywhere in the library (figures may be drawn in parallel threads, nothing is
shown on a screen). Plot functions take ``ax=None`` and make their own figure with
:func:`new_figure` when no Axes is given.
"""

from __future__ import annotations

from typing import Any

__all__ = ["new_axes", "new_figure"]


def new_figure(*, width_in: float = 6.4, height_in: float = 4.0, **subplots: Any) -> Any:
    """A ``matplotlib.figure.Figure`` with an Agg canvas attached (sizes in inches)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    if subplots:
        fig.subplots(**subplots)
    return fig


def new_axes(*, width_in: float = 6.4, height_in: float = 4.0) -> Any:
    """One Axes on a new Agg figure (for plot functions called without ``ax``)."""
    return new_figure(width_in=width_in, height_in=height_in).add_subplot()
