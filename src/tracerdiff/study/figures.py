"""Rendering the analyses' figures to PNG bytes and SVG text without pyplot (thread-safe use),
and the durations of the methods text.

Create figures with :func:`tracerdiff.figures.new_figure` (an Agg-backed
``matplotlib.figure.Figure``, no global pyplot state, so analyses may draw in parallel threads)
and turn them into a :class:`~tracerdiff.study.outcome.FigureData` with :func:`render`.
"""

from __future__ import annotations

import io
import threading

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..figures import new_figure
from .outcome import FigureData

__all__ = ["format_duration", "new_figure", "render"]

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


def format_duration(seconds: float) -> str:
    """``212400`` -> ``"59 h"``: whole days from 3 d, any days from 10 d, hours from 1 h,
    minutes, seconds."""
    days = seconds / 86400
    if (days >= 3 and abs(days - round(days)) < 1e-9) or days >= 10:
        return f"{days:.4g} d" if abs(days - round(days)) < 1e-9 else f"{days:.3g} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.4g} h"
    if seconds >= 60:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"
