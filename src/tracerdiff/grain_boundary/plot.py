"""Figures of the step analysis (like the study's Fig. 3d/e) and of a boundary map coloured by k.

Plot functions take results and ``ax=None`` and return the Axes; they never fit anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .result import StepResult

__all__ = ["map_figure", "plot_gb_map", "plot_profile_steps", "plot_step", "step_figure"]


def _axes(ax: Any) -> Any:
    if ax is None:
        from ..figures import new_axes

        ax = new_axes(width_in=6.0, height_in=4.0)
    return ax


def _poly(coef: tuple[float, ...], u: Any) -> Any:
    return coef[0] + coef[1] * u + coef[2] * u**2


def _k_text(result: StepResult) -> str:
    best = result.preferred
    if best is None:
        return "k: n/a"
    ci = best.ci95
    src = "" if best.estimator == "gradient" else " (flux)"
    if ci.kind == "bounded":
        return (
            f"$D_{{gb}}/\\delta$ = {best.k:.3g} cm/s{src}\n"
            f"  95 %: [{ci.lower:.2g}, {ci.upper:.2g}]\n"
            f"$D_{{gb}}$ = {best.k * best.delta_nm * 1e-7:.2g} cm$^2$/s"
        )
    if ci.kind == "lower" and ci.lower is not None:
        return f"$D_{{gb}}/\\delta$ > {ci.lower:.2g} cm/s{src} (95 %)"
    return f"$D_{{gb}}/\\delta$ not constrained{src}"


def _draw_fits(result: StepResult, ax: Any, *, label: bool, tangents: bool = True) -> None:
    """Both fitted polynomials (solid over their windows, dashed to the GB), the jump arrow and
    the shared gradient as tangents at the GB."""
    pos = result.position_um
    span = []
    for i, (coef, (lo, hi), col, side) in enumerate(
        (
            (result.coef_left, result.window_left_um, "tab:blue", "left grain"),
            (result.coef_right, result.window_right_um, "tab:red", "right grain"),
        )
    ):
        u = np.linspace(lo - pos, hi - pos, 100)
        ax.plot(u + pos, _poly(coef, u), color=col, lw=1.6, label=f"fit, {side}" if label else None)
        ue = np.linspace(hi - pos, 0.0, 20) if i == 0 else np.linspace(0.0, lo - pos, 20)
        ax.plot(ue + pos, _poly(coef, ue), color=col, lw=1.2, ls="--")
        span.append(hi - lo)
    yl, yr = result.coef_left[0], result.coef_right[0]
    ax.annotate(
        "",
        xy=(pos, yr),
        xytext=(pos, yl),
        arrowprops={"arrowstyle": "<|-|>", "color": "k", "lw": 1},
    )
    t = 0.35 * min(span)
    for y0, sgn in ((yl, -1.0), (yr, 1.0)) if tangents else ():
        u = np.array([0.0, sgn * t])
        ax.plot(
            pos + u,
            y0 + result.coef_left[1] * u,
            color="k",
            lw=2.2,
            alpha=0.55,
            solid_capstyle="butt",
            label="dC/dy at the GB" if label and sgn < 0 else None,
        )


def plot_step(result: StepResult, ax: Any = None, *, legend: bool = True) -> Any:
    """One GB like the study's Fig. 3d/e: the profile with error bars (points left out of the
    fits open), the two fitted polynomials (dashed: extrapolated to the GB), the jump dC_gb as an
    arrow at the GB, the shared gradient dC/dy as tangents, and the numbers in a box."""
    ax = _axes(ax)
    d, pos = result.data, result.position_um
    if d:
        x = d["x"]
        used = (x <= result.window_left_um[1]) | (x >= result.window_right_um[0])
        for m, face, lab in ((used, "0.25", "profile"), (~used, "white", "left out (guard)")):
            if np.any(m):
                ax.errorbar(
                    x[m],
                    d["C"][m],
                    yerr=d["C_err"][m],
                    fmt="o",
                    ms=3.5,
                    mfc=face,
                    mec="0.25",
                    ecolor="0.45",
                    elinewidth=0.8,
                    capsize=1.5,
                    lw=0,
                    label=lab,
                )
    ax.axvline(pos, color="0.4", ls=":", lw=1)
    ax.axvspan(pos - result.guard_um, pos + result.guard_um, color="0.85", alpha=0.6, lw=0)
    ax.set_xlabel("distance along the profile y (µm)")
    ax.set_ylabel("isotope fraction C")
    if not result.analysable:
        ax.set_title(f"GB at {pos:.1f} µm: not analysable ({result.reason})", fontsize=8)
        return ax
    _draw_fits(result, ax, label=True)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.55 * (hi - lo))  # headroom for the box
    box = (
        f"$\\Delta C_{{gb}}$ = {result.jump:.4f} ± {result.jump_err:.4f}\n"
        f"dC/dy = {result.grad:.3g} ± {result.grad_err:.2g} cm$^{{-1}}$\n{_k_text(result)}"
    )
    if result.flags:
        box += "\n" + ", ".join(result.flags)
    ax.text(
        0.98,
        0.97,
        box,
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=7.5,
        bbox={"boxstyle": "round", "fc": "white", "ec": "0.7", "alpha": 0.9},
    )
    ax.set_title(f"GB at {pos:.1f} µm", fontsize=9)
    if legend:
        ax.legend(loc="best", fontsize=7, framealpha=0.8)
    return ax


def plot_profile_steps(
    x_um: ArrayLike,
    C: ArrayLike,
    C_err: ArrayLike,
    results: Sequence[StepResult],
    ax: Any = None,
) -> Any:
    """The whole profile with error bars, every GB marked and both fits of each drawn."""
    ax = _axes(ax)
    ax.errorbar(
        np.asarray(x_um),
        np.asarray(C),
        yerr=np.asarray(C_err),
        fmt="o",
        ms=2.5,
        color="0.3",
        ecolor="0.55",
        elinewidth=0.6,
        lw=0,
        label="profile",
    )
    for r in results:
        ax.axvline(r.position_um, color="0.4", ls=":", lw=1)
        if r.analysable:
            _draw_fits(r, ax, label=False, tangents=False)
    ax.set_xlabel("distance along the profile y (µm)")
    ax.set_ylabel("isotope fraction C")
    return ax


def plot_gb_map(
    fraction: ArrayLike,
    *,
    extent_um: Sequence[float],
    boundaries: ArrayLike | None = None,
    segments: Sequence[tuple[tuple[float, float], tuple[float, float], float]] = (),
    unmeasured: Sequence[tuple[float, float]] = (),
    ax: Any = None,
) -> Any:
    """Fraction map (extent ``(x0, x1, y1, y0)`` in um, row 0 at the top) with a GB overlay
    (``boundaries``: a boolean mask of the map's shape) and GB pieces coloured by k
    (``segments``: ((x, y) start, (x, y) end, k in cm/s)); crossings without a measured k
    (``unmeasured``, (x, y) in um) as open circles.  With segments the map is drawn in gray so
    that only k carries colour."""
    ax = _axes(ax)
    im = ax.imshow(
        np.asarray(fraction, dtype=float),
        extent=tuple(extent_um),
        cmap="gray" if segments else "viridis",
    )
    if not segments:
        ax.figure.colorbar(im, ax=ax, label="isotope fraction C", shrink=0.8)
    if boundaries is not None:
        mask = np.ma.masked_where(
            ~np.asarray(boundaries, dtype=bool), np.ones(np.shape(boundaries))
        )
        ax.imshow(
            mask,
            extent=tuple(extent_um),
            cmap="Reds",
            alpha=0.9,
            vmin=0,
            vmax=1,
            interpolation="nearest",
        )
    if segments:
        import matplotlib.colors as mcolors
        from matplotlib.collections import LineCollection

        ks = np.array([s[2] for s in segments])
        norm = mcolors.LogNorm(vmin=max(ks.min(), 1e-12), vmax=max(ks.max(), 1e-12) * 1.0001)
        lc = LineCollection([[s[0], s[1]] for s in segments], cmap="plasma", norm=norm, lw=4)
        lc.set_array(ks)
        ax.add_collection(lc)
        ax.figure.colorbar(lc, ax=ax, label="$D_{gb}/\\delta$ (cm/s)", shrink=0.8)
    if len(unmeasured):
        u = np.asarray(unmeasured, dtype=float).reshape(-1, 2)
        ax.plot(u[:, 0], u[:, 1], "o", mfc="none", mec="tab:cyan", ms=6, label="k not measured")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    ax.set_xlabel("x (µm)")
    ax.set_ylabel("y (µm)")
    return ax


def step_figure(
    x_um: ArrayLike, C: ArrayLike, C_err: ArrayLike, results: Sequence[StepResult]
) -> Any:
    """A figure: the whole profile with every GB on top, then one panel per GB
    (:func:`plot_step`) in two columns.  Returns the matplotlib Figure."""
    from ..figures import new_figure

    n = len(results)
    ncol = 1 if n <= 1 else 2
    nrow = 1 + (n + ncol - 1) // ncol
    fig = new_figure(width_in=4.2 * ncol + 1.0, height_in=3.0 * nrow)
    gs = fig.add_gridspec(nrow, ncol)
    plot_profile_steps(x_um, C, C_err, results, ax=fig.add_subplot(gs[0, :]))
    for i, r in enumerate(results):
        ax = fig.add_subplot(gs[1 + i // ncol, i % ncol])
        plot_step(r, ax=ax, legend=False)
        if i == 0:  # the first panel's labelled artists, one legend above the panels
            h, lab = ax.get_legend_handles_labels()
            fig.legend(h, lab, loc="outside upper center", ncol=5, fontsize=7, frameon=False)
    return fig


def map_figure(fds: Any, res: Any, mask: Any) -> Any:
    """Two panels: the fraction map ``fds`` (a fraction dataset) with the GB mask (bool, map
    shape) and each profile line with its width; and the crossings of ``res``
    (:class:`~tracerdiff.grain_boundary.GBMapResult`) coloured by k.  Returns the Figure."""
    from ..figures import new_figure

    x, y = fds["x"].to_numpy(), fds["y"].to_numpy()
    px, py = float(x[1] - x[0]), float(y[1] - y[0])
    ext = (x[0] - px / 2, x[-1] + px / 2, y[-1] + py / 2, y[0] - py / 2)
    aspect = (ext[2] - ext[3]) / (ext[1] - ext[0])
    fig = new_figure(width_in=8.0, height_in=2 * max(2.0, 8 * aspect) + 1.2)
    a0, a1 = fig.subplots(2, 1)
    plot_gb_map(fds["C"].to_numpy(), extent_um=ext, boundaries=mask, ax=a0)
    for p, q in res.lines:  # each line with the width its profile averages over
        d = np.subtract(q, p) / max(float(np.hypot(*np.subtract(q, p))), 1e-12)
        nrm = np.array([-d[1], d[0]]) * res.width_um / 2
        quad = np.array([np.add(p, nrm), np.add(q, nrm), np.subtract(q, nrm), np.subtract(p, nrm)])
        a0.fill(quad[:, 0], quad[:, 1], fc="white", ec="white", alpha=0.25, lw=0.8)
        a0.plot([p[0], q[0]], [p[1], q[1]], color="w", lw=0.8)
    a0.set_title("fraction map, GBs from the micrograph (red), profile lines", fontsize=9)
    plot_gb_map(
        fds["C"].to_numpy(),
        extent_um=ext,
        segments=res.segments(half_length_um=max(res.width_um / 2, 2.0)),
        unmeasured=res.unmeasured_points(),
        ax=a1,
    )
    a1.set_title("GB crossings coloured by $D_{gb}/\\delta$", fontsize=9)
    return fig
