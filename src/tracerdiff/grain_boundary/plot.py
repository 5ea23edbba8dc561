"""Figures of the step analysis (like the study's Fig. 3d/e) and of a boundary map coloured by k.

Plot functions take results and ``ax=None`` and return the Axes; they never fit anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .result import StepResult

__all__ = ["plot_gb_map", "plot_step"]


def _axes(ax: Any) -> Any:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def plot_step(result: StepResult, ax: Any = None) -> Any:
    """Profile with error bars, the two fitted polynomials, the jump and the gradient marked."""
    ax = _axes(ax)
    d = result.data
    if d:
        ax.errorbar(
            d["x"], d["C"], yerr=d["C_err"], fmt="o", ms=3, color="0.3", lw=0.8, label="profile"
        )
    pos = result.position_um
    ax.axvline(pos, color="k", ls=":", lw=1)
    if not result.analysable:
        ax.set_title(f"GB at {pos:.1f} um: not analysable")
        return ax
    for coef, (lo, hi), col in (
        (result.coef_left, result.window_left_um, "tab:blue"),
        (result.coef_right, result.window_right_um, "tab:red"),
    ):
        u = np.linspace(min(lo, pos) - pos, max(hi, pos) - pos, 100)
        ax.plot(u + pos, coef[0] + coef[1] * u + coef[2] * u**2, color=col, lw=1.5)
        ax.axvspan(lo, hi, color=col, alpha=0.08)
    yl, yr = result.coef_left[0], result.coef_right[0]
    ax.annotate("", xy=(pos, yr), xytext=(pos, yl), arrowprops={"arrowstyle": "<->", "color": "k"})
    best = result.preferred
    ktxt = f"k = {best.k:.3g} cm/s" if best is not None and best.bounded else "k bounded only"
    ax.set_title(
        f"GB {pos:.1f} um: dC_gb = {result.jump:.3g} ± {result.jump_err:.2g}, "
        f"dC/dy = {result.grad:.3g} ± {result.grad_err:.2g} /cm, {ktxt}",
        fontsize=8,
    )
    ax.set_xlabel("distance (um)")
    ax.set_ylabel("isotope fraction C")
    return ax


def plot_gb_map(
    fraction: ArrayLike,
    *,
    extent_um: Sequence[float],
    boundaries: ArrayLike | None = None,
    segments: Sequence[tuple[tuple[float, float], tuple[float, float], float]] = (),
    ax: Any = None,
) -> Any:
    """Fraction map (extent ``(x0, x1, y1, y0)`` in um, row 0 at the top) with a GB overlay
    (``boundaries``: a boolean mask of the map's shape) and GB pieces coloured by k
    (``segments``: ((x, y) start, (x, y) end, k in cm/s))."""
    ax = _axes(ax)
    im = ax.imshow(np.asarray(fraction, dtype=float), extent=tuple(extent_um), cmap="viridis")
    ax.figure.colorbar(im, ax=ax, label="C")
    if boundaries is not None:
        mask = np.ma.masked_where(
            ~np.asarray(boundaries, dtype=bool), np.ones(np.shape(boundaries))
        )
        ax.imshow(mask, extent=tuple(extent_um), cmap="gray_r", alpha=0.6, vmin=0, vmax=1)
    if segments:
        import matplotlib.colors as mcolors
        from matplotlib.collections import LineCollection

        ks = np.array([s[2] for s in segments])
        norm = mcolors.LogNorm(vmin=max(ks.min(), 1e-12), vmax=max(ks.max(), 1e-12) * 1.0001)
        lc = LineCollection([[s[0], s[1]] for s in segments], cmap="plasma", norm=norm, lw=3)
        lc.set_array(ks)
        ax.add_collection(lc)
        ax.figure.colorbar(lc, ax=ax, label="D_gb/delta (cm/s)")
    ax.set_xlabel("x (um)")
    ax.set_ylabel("y (um)")
    return ax
