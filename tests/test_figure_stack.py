"""The plot functions of results draw on their own Agg ``Figure`` when no Axes is given: no
pyplot figure is opened (nothing to close, safe in threads) and the Axes is returned."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from tracerdiff.fitting import FitResult, ProfileData, fit_profile, plot_fit
from tracerdiff.models import fit_arrhenius, plot_arrhenius
from tracerdiff.solutions import erfc_profile


def _erfc_fit() -> FitResult:
    x = np.arange(80) * 5.0 + 2.5
    c = erfc_profile(x, C_s=0.9, C_0=0.08, D=1e-9, time_s=36000.0)
    c = c + np.random.default_rng(3).normal(0.0, 0.01, x.size)
    data = ProfileData.from_arrays(x, c, np.full(x.size, 0.01))
    return fit_profile("erfc", data, time_s=36000.0, profile_ci=False, microstructure=None)


def test_plot_fit_without_ax_opens_no_pyplot_figure() -> None:
    fit = _erfc_fit()
    before = plt.get_fignums()
    ax = plot_fit(fit, residuals=True)
    assert plt.get_fignums() == before
    assert isinstance(ax.figure.canvas, FigureCanvasAgg)
    main, below = ax.figure.axes  # the residual panel shares the figure, below the data
    assert main is ax and below.get_ylabel() == "(y - fit) / sigma"
    assert len(plot_fit(fit).figure.axes) == 1  # no residual panel unless asked for


def test_plot_arrhenius_without_ax_opens_no_pyplot_figure() -> None:
    t = np.array([300.0, 350.0, 400.0, 450.0])
    d = 0.05 * np.exp(-0.4 / (8.617333e-5 * t))
    before = plt.get_fignums()
    ax = plot_arrhenius(fit_arrhenius(t, d, 0.05 * d))
    assert plt.get_fignums() == before
    assert isinstance(ax.figure.canvas, FigureCanvasAgg)
    assert ax.get_yscale() == "log"
