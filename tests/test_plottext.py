"""User text in figures is shown literally: a '$' never starts mathtext."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.figure import Figure

from tracerdiff.models import fit_arrhenius, plot_arrhenius
from tracerdiff.plottext import literal


def test_literal_escapes_dollars() -> None:
    assert literal("a$b$_{x}") == r"a\$b\$_{x}"
    assert literal("plain") == "plain"


def test_label_with_dollars_renders() -> None:
    t = np.array([400.0, 500.0, 600.0, 700.0])
    d = 1e-3 * np.exp(-0.5 / (8.617e-5 * t))
    res = fit_arrhenius(t, d, label="run $1_{bad")  # unbalanced mathtext if not escaped
    fig = Figure()
    ax = plot_arrhenius(res, ax=fig.add_subplot())
    ax.legend()
    fig.savefig(io.BytesIO(), format="png")
    assert any("$1_{bad" in t.get_text() for t in ax.get_legend().get_texts())
