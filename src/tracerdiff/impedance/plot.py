"""Figures of impedance fits: Nyquist, Bode (with the fit) and residuals; conductivity
Arrhenius plots.  Each function takes a result and ``ax=None``; without an Axes it makes its
own :class:`matplotlib.figure.Figure` on the Agg canvas (no pyplot state) and returns the Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..plottext import literal
from .analysis import ImpedanceResult
from .result import CircuitFit

__all__ = ["plot_bode", "plot_impedance", "plot_nyquist", "plot_residuals"]


def _axes(ax: Any, figsize: tuple[float, float] = (5.0, 4.4)) -> Any:
    if ax is not None:
        return ax
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _fit_of(result: ImpedanceResult | CircuitFit) -> CircuitFit:
    return result.fit if isinstance(result, ImpedanceResult) else result


def _dense(fit: CircuitFit) -> tuple[Any, Any]:
    f = fit.spectrum.frequency_Hz
    fd = np.geomspace(f.min(), f.max(), 400)
    return fd, fit.model(fd)


def _arc_span(fit: CircuitFit) -> float | None:
    """Z' reached by the arcs and series resistances (ohm): where the electrode tail starts."""
    from .circuits import parse_circuit

    c = parse_circuit(fit.circuit)
    names = [r for r, _ in c.rc_pairs()] + [e.name for e in c.series_elements() if e.kind == "R"]
    span = sum(fit.value(n) for n in names)
    return span if names and np.isfinite(span) and span > 0 else None


def plot_nyquist(result: ImpedanceResult | CircuitFit, ax: Any = None, *, zoom: bool = True) -> Any:
    """Z' against -Z'' (equal axes, ohm): data points and the fitted curve.  ``zoom`` limits
    the view to the arcs (1.3 x their total resistance) when an electrode tail follows."""
    fit = _fit_of(result)
    ax = _axes(ax)
    z = fit.spectrum.z
    ax.plot(z.real, -z.imag, "o", ms=3, label=literal(fit.spectrum.source or "data"))
    _, zd = _dense(fit)
    ax.plot(zd.real, -zd.imag, "-", lw=1.2, label=f"fit {fit.circuit}")
    ax.set_xlabel("Z' (ohm)")
    ax.set_ylabel("-Z'' (ohm)")
    span = _arc_span(fit) if zoom else None
    if span is not None and float(np.max(z.real)) > 1.5 * span:
        ax.set_xlim(min(0.0, float(z.real.min())), 1.3 * span)
        ax.set_ylim(min(0.0, float((-z.imag).min())), 0.8 * span)
        ax.set_aspect("equal", adjustable="box")
    else:
        ax.set_aspect("equal", adjustable="datalim")
    ax.legend(fontsize="small")
    if not fit.success:
        ax.set_title("fit failed", color="red")
    return ax


def plot_bode(result: ImpedanceResult | CircuitFit, ax: Any = None) -> Any:
    """|Z| (log, left axis) and -phase (right axis) against frequency, data and fit."""
    fit = _fit_of(result)
    ax = _axes(ax)
    f, z = fit.spectrum.frequency_Hz, fit.spectrum.z
    fd, zd = _dense(fit)
    ax.loglog(f, np.abs(z), "o", ms=3, color="C0")
    ax.loglog(fd, np.abs(zd), "-", color="C0")
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("|Z| (ohm)", color="C0")
    ph = ax.twinx()
    ph.semilogx(f, -np.degrees(np.angle(z)), "s", ms=3, color="C1")
    ph.semilogx(fd, -np.degrees(np.angle(zd)), "-", color="C1")
    ph.set_ylabel("-phase (deg)", color="C1")
    return ax


def plot_residuals(result: ImpedanceResult | CircuitFit, ax: Any = None) -> Any:
    """Relative residuals (Z - Z_fit)/|Z| of the fit, and of lin-KK when ``result`` has it."""
    fit = _fit_of(result)
    ax = _axes(ax, (5.0, 2.6))
    f = fit.spectrum.frequency_Hz
    rr = fit.relative_residuals
    ax.semilogx(f, 100 * rr.real, "o", ms=3, label="fit, real")
    ax.semilogx(f, 100 * rr.imag, "s", ms=3, label="fit, imaginary")
    if isinstance(result, ImpedanceResult):
        ax.semilogx(f, 100 * result.kk.residuals_real, "-", lw=0.8, label="lin-KK, real")
        ax.semilogx(f, 100 * result.kk.residuals_imag, "--", lw=0.8, label="lin-KK, imaginary")
    ax.axhline(0.0, color="gray", lw=0.6)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("residual (%)")
    ax.legend(fontsize="x-small", ncol=2)
    return ax


def plot_impedance(result: ImpedanceResult | CircuitFit, fig: Any = None) -> Any:
    """A three-panel figure (Nyquist, Bode, residuals) of one result; returns the Figure."""
    if fig is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(12.0, 4.2), layout="constrained")
        FigureCanvasAgg(fig)
    axes = fig.subplots(1, 3)
    plot_nyquist(result, axes[0])
    plot_bode(result, axes[1])
    plot_residuals(result, axes[2])
    return fig
