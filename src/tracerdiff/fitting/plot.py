"""Figures of fits (like the study's Fig. 4): data, fitted or evolved curves, residuals."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..figures import new_axes, new_figure
from ..plottext import literal
from .result import FitResult

__all__ = ["plot_fit"]


def _label(result: FitResult) -> str:
    parts = []
    for p in result.free:
        v, unit = result.values[p], result.units.get(p, "")
        parts.append(f"{p} = {v:.3g} {unit}".strip())
    return f"{result.model}: " + ", ".join(parts)


def _new_axes(*, residuals: bool, residual_ax: Any) -> tuple[Any, Any]:
    """The main Axes (and a residual Axes below it when asked for) on a new Agg figure."""
    if residuals and residual_ax is None:
        fig = new_figure(
            width_in=6.4,
            height_in=5.6,
            nrows=2,
            ncols=1,
            sharex=True,
            gridspec_kw={"height_ratios": [3, 1]},
        )
        main, below = fig.axes
        return main, below
    return new_axes(width_in=6.4, height_in=4.4), residual_ax


def plot_fit(
    result: FitResult, ax: Any = None, *, residuals: bool = False, residual_ax: Any = None
) -> Any:
    """Plot ``result``'s data (with error bars), best-fit curve(s) and, for evolution fits, the
    initial profile (dashed).  ``residuals=True`` adds a normalised-residual panel below (or on
    ``residual_ax``).  Returns the main Axes (x in um, C dimensionless).
    """
    if ax is None:
        ax, residual_ax = _new_axes(residuals=residuals, residual_ax=residual_ax)
    groups = result.group if result.group is not None else np.zeros(result.n_points, dtype=int)
    labels = result.group_labels or ("data",)
    if "initial_x_um" in result.extra:
        ax.plot(
            result.extra["initial_x_um"], result.extra["initial_C"], "k--", lw=1, label="initial"
        )
    for g in np.unique(groups):
        m = groups == g
        name = literal(labels[int(g)]) if int(g) < len(labels) else f"profile {int(g) + 1}"
        line = ax.errorbar(
            result.x_um[m], result.y[m], yerr=result.yerr[m], fmt="o", ms=3, alpha=0.6, label=name
        )
        order = np.argsort(result.x_um[m])
        ax.plot(result.x_um[m][order], result.curve[m][order], "-", color=line[0].get_color())
    ax.plot([], [], "-", color="gray", label=_label(result))
    ax.set_ylabel("C")
    ax.legend(fontsize="small")
    if not result.converged:
        ax.set_title("fit did not converge", color="red")
    if residuals and residual_ax is not None:
        residual_ax.axhline(0.0, color="gray", lw=0.8)
        residual_ax.plot(result.x_um, result.residuals, "o", ms=2)
        residual_ax.set_ylabel("(y - fit) / sigma")
        residual_ax.set_xlabel("x (um)")
    else:
        ax.set_xlabel("x (um)")
    return ax
