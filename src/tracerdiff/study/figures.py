"""Figures and texts of the analyses: the Agg figure factory and :func:`render` (from
:mod:`tracerdiff.report.figures`), and durations as the methods text writes them."""

from __future__ import annotations

from ..report.figures import new_figure, render

__all__ = ["format_duration", "new_figure", "render"]


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
