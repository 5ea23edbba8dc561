"""Figure of a grain segmentation: micrograph with the GB skeleton, grains, ECD histogram with
the lognormal fit.  Axes in um (x along columns, y along rows, row 0 at the top)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .segment import GrainSegmentation
from .stats import GrainStatistics

__all__ = ["grains_figure"]


def grains_figure(image: ArrayLike, seg: GrainSegmentation, stats: GrainStatistics) -> Any:
    """Three panels: the micrograph with the detected GB skeleton (red), the grains, and the
    histogram of equivalent-circle diameters (um) with the fitted lognormal density.  Returns
    the matplotlib Figure."""
    from ..figures import new_figure
    from .segment import to_gray

    rows, cols = seg.shape
    ext = (0.0, cols * seg.pixel_size_x_um, rows * seg.pixel_size_y_um, 0.0)
    fig = new_figure(width_in=13, height_in=4)
    a0, a1, a2 = fig.subplots(1, 3)
    a0.imshow(to_gray(image), cmap="gray", extent=ext)
    sk = np.ma.masked_where(~seg.skeleton, np.ones(seg.shape))
    a0.imshow(sk, cmap="autumn", extent=ext, interpolation="nearest", alpha=0.9)
    a0.set_title("micrograph + detected GBs", fontsize=9)
    shuffled = np.random.default_rng(0).permutation(int(seg.labels.max()) + 1)
    shuffled[0] = 0
    lab = np.ma.masked_where(seg.labels == 0, shuffled[seg.labels])
    a1.imshow(lab, cmap="tab20", extent=ext, interpolation="nearest")
    a1.set_title(f"{seg.n_grains} grains", fontsize=9)
    for a in (a0, a1):
        a.set_xlabel("x (µm)")
        a.set_ylabel("y (µm)")
    e, lg = stats.ecd_um, stats.lognormal
    a2.hist(
        e,
        bins=max(5, int(math.sqrt(e.size)) + 1),
        density=True,
        color="0.75",
        ec="0.4",
        label=f"ECD, {e.size} whole grains",
    )
    d = np.linspace(max(e.min() * 0.5, 1e-3), e.max() * 1.3, 200)
    pdf = np.exp(-((np.log(d) - lg.mu_ln) ** 2) / (2 * lg.sigma_ln**2)) / (
        d * lg.sigma_ln * math.sqrt(2 * math.pi)
    )
    a2.plot(d, pdf, color="tab:red", label=f"lognormal: {lg.mean:.3g} ± {lg.sd:.2g} µm (mean, sd)")
    a2.axvline(
        stats.mli_um,
        color="tab:blue",
        ls="--",
        label=f"mean linear intercept ({stats.direction}) {stats.mli_um:.3g} µm",
    )
    a2.set_xlabel("equivalent-circle diameter (µm)")
    a2.set_ylabel("probability density (1/µm)")
    a2.legend(fontsize=7, frameon=False)
    return fig
