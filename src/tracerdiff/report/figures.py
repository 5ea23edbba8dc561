"""Rendering matplotlib figures to PNG bytes and SVG text without pyplot (thread-safe use).

Create figures with :func:`new_figure` (an Agg-backed ``matplotlib.figure.Figure``, no global
pyplot state, so analyses may draw in parallel threads) and turn them into a
:class:`~tracerdiff.study.outcome.FigureData` with :func:`render`.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..study.outcome import FigureData

__all__ = ["new_figure", "render"]

_LOCK = threading.Lock()  # text layout / font cache of matplotlib is shared state


def new_figure(*, width_in: float = 6.4, height_in: float = 4.0, **subplots: Any) -> Figure:
    """A figure with an Agg canvas attached (sizes in inches, 100 dpi in the PNG)."""
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    if subplots:
        fig.subplots(**subplots)
    return fig


def render(fig: Figure, name: str, caption: str = "", *, dpi: int = 100) -> FigureData:
    """PNG (``dpi``) and SVG of ``fig``; the figure is cleared afterwards."""
    png, svg = io.BytesIO(), io.StringIO()
    with _LOCK:
        if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        engine = fig.get_layout_engine()
        if engine is not None:  # lay out once, then keep it for both formats
            engine.execute(fig)
            fig.set_layout_engine("none")
        fig.savefig(png, format="png", dpi=dpi)
        fig.savefig(svg, format="svg")
        fig.clear()
    return FigureData(name=name, caption=caption, png=png.getvalue(), svg=svg.getvalue())
