"""Rendering matplotlib figures to PNG bytes and SVG text without pyplot (thread-safe use).

Create figures with :func:`new_figure` (:mod:`tracerdiff.figures`: an Agg-backed
``matplotlib.figure.Figure``, no global pyplot state, so analyses may draw in parallel threads)
and turn them into a :class:`~tracerdiff.report.content.FigureData` with :func:`render`.
"""

from __future__ import annotations

import io
import threading

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..figures import new_figure
from .content import FigureData

__all__ = ["new_figure", "render"]

_LOCK = threading.Lock()  # text layout / font cache of matplotlib is shared state


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
