"""Figures: Nyquist, Bode and residuals take a result and ax=None, use no pyplot state."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from tracerdiff.impedance import (
    analyze_spectrum,
    fit_circuit,
    plot_bode,
    plot_impedance,
    plot_nyquist,
    plot_residuals,
)

from .conftest import noisy_spectrum


def test_plots_return_axes_without_pyplot() -> None:
    before = plt.get_fignums()
    r = analyze_spectrum(noisy_spectrum(6))
    ax = plot_nyquist(r)
    assert ax.get_xlabel() == "Z' (ohm)"
    x, _y = ax.lines[1].get_data()  # the fitted curve spans the arcs
    assert np.max(x) > r.fit.value("R1") + r.fit.value("R2")
    assert plot_bode(r.fit).get_yscale() == "log"
    assert len(plot_residuals(r).lines) == 5  # fit re/im, KK re/im, zero line
    fig = plot_impedance(r)
    assert len(fig.axes) == 4  # three panels and the Bode phase axis
    assert plt.get_fignums() == before


def test_given_axes_are_used() -> None:
    fit = fit_circuit(noisy_spectrum(7))
    _, ax = plt.subplots()
    try:
        assert plot_nyquist(fit, ax) is ax
    finally:
        plt.close(ax.figure)


def test_file_names_are_literal() -> None:
    s = noisy_spectrum(8)
    s2 = type(s)(s.frequency_Hz, s.z_real_ohm, s.z_imag_ohm, source="a$b$.csv")
    ax = plot_nyquist(fit_circuit(s2))
    ax.figure.canvas.draw()  # '$' would otherwise be parsed as mathtext
