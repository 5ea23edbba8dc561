"""Figure of a boundary-map analysis: the fraction map with every boundary coloured by its k
(grey where not measurable) and the pooled distribution of k (matplotlib Figure, Agg)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from .boundary_map import BoundaryMapResult

__all__ = ["boundary_map_figure", "plot_boundary_k_map", "plot_k_population"]


def plot_boundary_k_map(
    fraction: xr.Dataset, result: BoundaryMapResult, ax: Any = None, *, cmap: str = "viridis"
) -> Any:
    """The fraction map (grey) with each boundary's pixels coloured by log10 k (grey: not
    measurable); returns the Axes."""
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    if ax is None:
        ax = Figure(figsize=(6, 5)).add_subplot()
    x, y = fraction["x"].to_numpy(), fraction["y"].to_numpy()
    ext = (
        float(x[0] - (x[1] - x[0]) / 2),
        float(x[-1] + (x[1] - x[0]) / 2),
        float(y[-1] + (y[1] - y[0]) / 2),
        float(y[0] - (y[1] - y[0]) / 2),
    )
    ax.imshow(fraction["C"].to_numpy(), cmap="gray", extent=ext, interpolation="nearest")
    shape = np.asarray(result.labels).shape
    kmap = np.full(shape, np.nan)
    on = np.zeros(shape, dtype=bool)
    for s in result.steps:  # each boundary by its own pixels (a grain pair may meet twice)
        on.flat[s.boundary.pixels] = True
        if s.measured and s.estimate is not None:
            kmap.flat[s.boundary.pixels] = s.estimate.k
    grey = on & ~np.isfinite(kmap)
    over = np.zeros((*shape, 4))
    over[grey] = (0.6, 0.6, 0.6, 0.8)
    ax.imshow(over, extent=ext, interpolation="nearest")
    good = np.isfinite(kmap) & (kmap > 0)
    if good.any():
        norm = LogNorm(vmin=float(np.nanmin(kmap[good])), vmax=float(np.nanmax(kmap[good])))
        im = ax.imshow(
            np.where(good, kmap, np.nan), cmap=cmap, norm=norm, extent=ext, interpolation="nearest"
        )
        ax.figure.colorbar(im, ax=ax, label="D_gb/delta (cm/s)", shrink=0.8)
    ax.set_xlabel("x (um)")
    ax.set_ylabel("y (um)")
    ax.set_title(f"{result.n_measured} of {len(result.steps)} boundaries measured (grey: not)")
    return ax


def plot_k_population(result: BoundaryMapResult, ax: Any = None) -> Any:
    """Histogram of the measured k (log axis) and the pooled lognormal population; returns the
    Axes."""
    from matplotlib.figure import Figure

    if ax is None:
        ax = Figure(figsize=(5, 4)).add_subplot()
    ks = np.array([s.estimate.k for s in result.steps if s.measured and s.estimate is not None])
    pop = result.population
    if ks.size:
        lk = np.log10(ks)
        ax.hist(
            lk,
            bins=max(5, int(math.sqrt(ks.size))),
            density=True,
            color="0.7",
            label=f"measured ({ks.size})",
        )
    if pop is not None:
        s = np.linspace(pop.mu - 4 * pop.tau, pop.mu + 4 * pop.tau, 200)
        dens = np.exp(-0.5 * ((s - pop.mu) / pop.tau) ** 2) / (pop.tau * math.sqrt(2 * math.pi))
        g, ge = pop.gmean
        lab = f"pooled lognormal: gmean {g:.3g}" + (f" ± {ge:.2g}" if ge else "") + " cm/s"
        ax.plot(s / math.log(10), dens * math.log(10), "k-", label=lab)
    ax.set_xlabel("log10 D_gb/delta (cm/s)")
    ax.set_ylabel("density")
    # above the axes: inside, the long pooled label found no free place and covered the bars
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 1.01), frameon=False)
    return ax


def boundary_map_figure(fraction: xr.Dataset, result: BoundaryMapResult) -> Any:
    """Both panels in one :class:`matplotlib.figure.Figure` (the ``gb-map --png`` figure)."""
    from ..figures import new_figure

    fig = new_figure(width_in=11.0, height_in=4.5)
    a1, a2 = fig.subplots(1, 2, width_ratios=(1.6, 1))
    plot_boundary_k_map(fraction, result, a1)
    plot_k_population(result, a2)
    return fig
