"""Figures of fraction maps and profiles (plain matplotlib; each returns its Axes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from ..figures import new_axes
from ..plottext import literal
from .pipeline import pixel_sizes

__all__ = ["plot_fraction_map", "plot_profile"]


def _nice_length(target: float) -> float:
    """A 1-2-5 length (um) close to ``target``."""
    if target <= 0:
        return 1.0
    e = 10 ** np.floor(np.log10(target))
    for m in (5, 2, 1):
        if m * e <= target:
            return float(m * e)
    return float(e)


def _draw_line(ax: Any, line: Any) -> None:
    """A profile line ``((x0, y0), (x1, y1))`` or ``((x0, y0), (x1, y1), width)`` in um."""
    (x0, y0), (x1, y1) = line[0], line[1]
    ax.plot([x0, x1], [y0, y1], color="white", lw=1.2)
    ax.plot([x0], [y0], "o", color="white", ms=3)
    if len(line) > 2 and line[2]:
        w = float(line[2])
        d = np.array([x1 - x0, y1 - y0], dtype=float)
        n = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-12) * w / 2
        xs = [x0 + n[0], x1 + n[0], x1 - n[0], x0 - n[0], x0 + n[0]]
        ys = [y0 + n[1], y1 + n[1], y1 - n[1], y0 - n[1], y0 + n[1]]
        ax.plot(xs, ys, color="white", lw=0.6, ls="--")


def _scale_bar(ax: Any, width_um: float, height_um: float, py: float, unit: str) -> None:
    """A white 1-2-5 scale bar (about a fifth of the field) in the lower right corner."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    length = _nice_length(width_um / 5)
    bar = AnchoredSizeBar(
        ax.transData,
        length,
        f"{length:g} {unit}",
        "lower right",
        pad=0.3,
        borderpad=0.5,
        color="white",
        frameon=True,
        size_vertical=max(py, height_um / 100),
    )
    bar.patch.set(facecolor="black", alpha=0.45, edgecolor="none")  # readable on any colour
    ax.add_artist(bar)


def _fraction_label(ds: xr.Dataset) -> str:
    """``C = 6Li/(6Li+7Li)``, or ``C' (normalised 6Li fraction)`` for C' = (C-C_bg)/(C_s-C_bg)."""
    pair = literal(ds.attrs.get("pair", ""))
    a, b = pair.split("/") if pair.count("/") == 1 else ("a", "b")
    if int(ds.attrs.get("normalised", 0)):
        return f"C' (normalised {a} fraction)"
    return f"C = {a}/({a}+{b})"


def _colour_bar(ax: Any, im: Any, label: str) -> Any:
    """A colour bar beside ``ax``, as tall as the image, with ticks and ``label``.

    The bar is an inset of the image axes (axes coordinates: always the image's height), so
    the layout engine of the report's figures counts its ticks and label; an axes from
    ``make_axes_locatable`` is not seen by it and lost its ticks and label."""
    cax = ax.inset_axes((1.02, 0.0, 0.03, 1.0))
    cb = ax.get_figure().colorbar(im, cax=cax)
    cb.set_label(label)
    cb.ax.tick_params(labelsize=8, length=3)
    cb.locator = _ticker().MaxNLocator(nbins=5)
    cb.update_ticks()
    return cb


def _ticker() -> Any:
    import matplotlib.ticker

    return matplotlib.ticker


def plot_fraction_map(
    fraction_ds: xr.Dataset,
    ax: Any = None,
    *,
    lines: Sequence[Any] | None = None,
    boundaries: Sequence[Any] | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "viridis",
) -> Any:
    """Image of ``C`` in um (extent respects non-square pixels) with a colour bar and scale bar.

    ``lines``: profile lines ``((x0, y0), (x1, y1)[, width])`` in um; ``boundaries``: grain
    boundary polylines, each an (N, 2) array of (x, y) in um (drawn red). Masked pixels are
    blank. The colour bar sits in its own axes beside ``ax``, as tall as the image.
    """
    if ax is None:
        ax = new_axes(width_in=7.0, height_in=4.0)
    px, py = pixel_sizes(fraction_ds)
    unit = "px" if int(fraction_ds.attrs.get("pixel_units", 0)) == 1 else "µm"
    ny, nx = fraction_ds.sizes["y"], fraction_ds.sizes["x"]
    C = np.ma.masked_invalid(np.asarray(fraction_ds["C"].values, dtype=float))
    im = ax.imshow(
        C,
        extent=(0, nx * px, ny * py, 0),
        origin="upper",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
    )
    _colour_bar(ax, im, _fraction_label(fraction_ds))
    for line in lines or ():
        _draw_line(ax, line)
    for poly in boundaries or ():
        p = np.asarray(poly, dtype=float)
        ax.plot(p[:, 0], p[:, 1], color="red", lw=0.8)
    _scale_bar(ax, nx * px, ny * py, py, unit)
    ax.set_xlim(0, nx * px)
    ax.set_ylim(ny * py, 0)
    ax.set_xlabel(f"x ({unit})")
    ax.set_ylabel(f"y ({unit})")
    return ax


def plot_profile(profile_ds: xr.Dataset, ax: Any = None, **errorbar_kw: Any) -> Any:
    """``C`` against ``x_um`` (um) with ``C_err`` error bars (the counting error)."""
    if ax is None:
        ax = new_axes()
    kw = {"fmt": "o", "ms": 3, "capsize": 2, "lw": 0.8}
    kw.update(errorbar_kw)
    ax.errorbar(
        profile_ds["x_um"].values, profile_ds["C"].values, yerr=profile_ds["C_err"].values, **kw
    )
    ax.set_xlabel("distance along the line (µm)")
    ax.set_ylabel(_fraction_label(profile_ds))
    ax.grid(True, lw=0.4, alpha=0.5)
    return ax
