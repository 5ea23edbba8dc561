"""Arrhenius plots: log D against 1000/T with a top axis in degrees C (study Fig. 5b/c)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..figures import new_axes
from ..plottext import literal
from .arrhenius_result import ArrheniusResult

__all__ = ["plot_arrhenius"]


def _top_axis(ax: Any) -> Any:
    def to_c(x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.where(x > 0, 1000.0 / np.where(x > 0, x, 1.0) - 273.15, np.inf)

    def to_x(c: np.ndarray) -> np.ndarray:
        k = np.asarray(c, dtype=float) + 273.15
        with np.errstate(divide="ignore"):
            return np.where(k > 0, 1000.0 / np.where(k > 0, k, 1.0), np.inf)

    top = ax.secondary_xaxis("top", functions=(to_c, to_x))
    top.set_xlabel("T (°C)")
    top.set_xticks(_celsius_ticks(ax.get_xlim()))
    return top


_NICE_C = (
    -250,
    -200,
    -150,
    -100,
    -50,
    0,
    50,
    100,
    150,
    200,
    300,
    400,
    500,
    600,
    800,
    1000,
    1200,
    1500,
    2000,
)


def _celsius_ticks(xlim: tuple[float, float], min_gap: float = 0.1) -> list[float]:
    """Round Celsius values inside the 1000/T range, at least ``min_gap`` of the width apart
    (1000/T crowds the hot end: evenly spaced degrees would overlap there)."""
    lo, hi = sorted(xlim)
    picked: list[float] = []
    for c in _NICE_C:  # cold to hot: x decreases, the cold (wide-spaced) end is filled first
        k = c + 273.15
        x = 1000.0 / k if k > 0 else math.inf
        if lo <= x <= hi and all(
            abs(1000.0 / (p + 273.15) - x) >= min_gap * (hi - lo) for p in picked
        ):
            picked.append(c)
    return sorted(picked)


def plot_arrhenius(
    results: ArrheniusResult | Sequence[ArrheniusResult],
    *,
    ax: Any = None,
    band: bool = True,
    level: float = 0.95,
    t_range_K: tuple[float, float] | None = None,
) -> Any:
    """Data with error bars, fitted lines and ``level`` bands of one or several fits.

    ``t_range_K`` (K) widens the lines beyond the data (extrapolation).  Returns the Axes.
    """
    fits = [results] if isinstance(results, ArrheniusResult) else list(results)
    if ax is None:
        ax = new_axes(width_in=5.0, height_in=4.0)
    for i, r in enumerate(fits):
        color = f"C{i}"
        x = 1000.0 / r.temperature_K
        yerr = None if r.D_err is None else r.D_err
        name = literal(r.label) if r.label else f"set {i + 1}"
        ax.errorbar(x, r.D, yerr=yerr, fmt="o", color=color)
        lo, hi = (r.temperature_K.min(), r.temperature_K.max()) if t_range_K is None else t_range_K
        tt = 1.0 / np.linspace(1.0 / hi, 1.0 / lo, 200)
        p = r.predict(tt, level=level)
        ax.plot(
            1000.0 / tt,
            p.D,
            "-",
            color=color,
            label=f"{name}: Ea = {r.ea_eV:.3g} ± {r.ea_err:.2g} eV",
        )
        if band:
            ax.fill_between(1000.0 / tt, p.lower, p.upper, color=color, alpha=0.2, lw=0)
    ax.set_yscale("log")
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel(f"D ({fits[0].unit if fits else 'cm^2/s'})")
    ax.legend(fontsize="small")
    _top_axis(ax)
    return ax
