"""The profile panel: C with error bars against distance along the line, the detected steps,
the analysed boundaries with their two fitted polynomials, and the table of k = D_gb/delta with
its 95 % interval (numbers from :func:`tracerdiff.view.session.analyse_line`)."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..grain_boundary import StepResult
    from .session import LineAnalysis

__all__ = ["ProfilePanel", "k_table_html"]


def _poly(coef: tuple[float, ...], u: np.ndarray) -> np.ndarray:
    return sum(c * u**i for i, c in enumerate(coef))  # type: ignore[return-value]


def fit_curves(results: tuple[StepResult, ...]) -> dict[str, list[Any]]:
    """Both polynomials of every analysed boundary over their fit windows, drawn to the GB."""
    xs: list[Any] = []
    ys: list[Any] = []
    colours: list[str] = []
    for r in results:
        if not r.analysable or not r.coef_left or not r.coef_right:
            continue
        pos = r.position_um
        for coef, (lo, hi), col in ((r.coef_left, r.window_left_um, "#1f77b4"),
                                    (r.coef_right, r.window_right_um, "#d62728")):  # fmt: skip
            u = np.linspace(min(lo, pos) - pos, max(hi, pos) - pos, 60)
            xs.append((u + pos).tolist())
            ys.append(_poly(coef, u).tolist())
            colours.append(col)
    return {"xs": xs, "ys": ys, "color": colours}


def _pm(v: float, e: float, fmt: str = ".3g") -> str:
    if not math.isfinite(v):
        return "n/a"
    return f"{v:{fmt}} ± {e:.2g}" if math.isfinite(e) else f"{v:{fmt}}"


def _k_cells(r: StepResult) -> tuple[str, str, str]:
    """(k text, 95 % text, data attributes with full precision) of one boundary."""
    best = r.preferred
    if best is None or not r.analysable:
        return "n/a", "", 'data-k=""'
    ci = best.ci95
    lo = "" if ci.lower is None else repr(float(ci.lower))
    hi = "" if ci.upper is None else repr(float(ci.upper))
    attrs = (
        f'data-k="{float(best.k)!r}" data-k-err="{float(best.k_err)!r}" data-ci-low="{lo}" '
        f'data-ci-high="{hi}"'
    )
    if ci.kind == "bounded":
        return _pm(best.k, best.k_err), f"[{ci.lower:.3g}, {ci.upper:.3g}]", attrs
    if ci.kind == "lower" and ci.lower is not None:
        return f"> {ci.lower:.3g}", "lower bound only", attrs
    return "not constrained", "unbounded", attrs


def k_table_html(analysis: LineAnalysis | None) -> str:
    """HTML table, one row per boundary (position, jump, gradient, k with its 95 % interval,
    flags); each row carries k, its error and the interval in full precision as data-*."""
    if analysis is None:
        return "<p>Draw a line on the map (line tool: click its two ends).</p>"
    if not analysis.results:
        return "<p id='k-empty'>No boundary on this line: click the profile to add one.</p>"
    head = (
        "<tr><th>GB at (um)</th><th>dC_gb</th><th>dC/dy (1/cm)</th><th>k = D_gb/δ (cm/s)"
        "</th><th>95 % interval</th><th>flags</th></tr>"
    )
    rows = []
    for r in analysis.results:
        k, ci, attrs = _k_cells(r)
        reason = "" if r.analysable else html.escape(r.reason)
        flags = html.escape(", ".join(r.flags)) or reason
        rows.append(f'<tr class="gb-row" data-position="{float(r.position_um)!r}" {attrs}>'
                    f"<td>{r.position_um:.2f}</td><td>{_pm(r.jump, r.jump_err, '+.4f')}</td>"
                    f"<td>{_pm(r.grad, r.grad_err)}</td><td>{k}</td><td>{ci}</td>"
                    f"<td>{flags}</td></tr>")  # fmt: skip
    mode = "detected steps" if analysis.auto else "boundaries as placed"
    return (
        f"<table id='k-table' class='k-table' data-mode='{mode}'>{head}{''.join(rows)}"
        f"</table><p>{len(rows)} boundar{'y' if len(rows) == 1 else 'ies'} ({mode}).</p>"
    )


class ProfilePanel:
    """Bokeh figure of the profile; ``on_tap(x_um)`` is called for a click on the profile."""

    def __init__(self, *, height: int = 300) -> None:
        from .map_panel import bokeh_api

        bm, figure = bokeh_api()
        ColumnDataSource, HoverTool, Whisker = bm.ColumnDataSource, bm.HoverTool, bm.Whisker

        fig = figure(height=height, width=620, name="profile",
                     tools="pan,wheel_zoom,box_zoom,reset,tap,save",
                     x_axis_label="distance along the line (um)", y_axis_label="C")  # fmt: skip
        self.points = ColumnDataSource({"x": [], "C": [], "lo": [], "hi": [], "err": []})
        fig.add_layout(Whisker(source=self.points, base="x", lower="lo", upper="hi",
                               line_color="gray", line_alpha=0.6))  # fmt: skip
        pts = fig.scatter("x", "C", source=self.points, size=4, color="black")
        fig.add_tools(
            HoverTool(
                renderers=[pts],
                tooltips=[("x", "@x{0.00} um"), ("C", "@C{0.00000} ± @err{0.00000}")],
            )
        )
        self.detected = ColumnDataSource({"x0": [], "y0": [], "x1": [], "y1": []})
        fig.segment("x0", "y0", "x1", "y1", source=self.detected, color="gray",
                    line_dash="dotted", line_width=1.5, legend_label="detected step")  # fmt: skip
        self.gbs = ColumnDataSource({"x0": [], "y0": [], "x1": [], "y1": []})
        fig.segment("x0", "y0", "x1", "y1", source=self.gbs, color="green", line_width=2,
                    legend_label="boundary analysed")  # fmt: skip
        self.fits = ColumnDataSource({"xs": [], "ys": [], "color": []})
        fig.multi_line("xs", "ys", color="color", source=self.fits, line_width=2)
        fig.legend.location = "top_right"
        fig.legend.label_text_font_size = "8pt"
        self.figure = fig

    def show(self, analysis: LineAnalysis | None) -> None:
        """Draw ``analysis`` (None clears the panel)."""
        if analysis is None:
            for s in (self.points, self.detected, self.gbs, self.fits):
                s.data = {k: [] for k in s.data}
            return
        p = analysis.profile
        x = p["x_um"].values.astype(float)
        c, e = p["C"].values.astype(float), p["C_err"].values.astype(float)
        self.points.data = {"x": x, "C": c, "lo": c - e, "hi": c + e, "err": e}
        ok = np.isfinite(c)
        y0, y1 = (float(np.nanmin(c[ok])), float(np.nanmax(c[ok]))) if ok.any() else (0.0, 1.0)
        self.detected.data = _segments(list(analysis.detection.positions_um), y0, y1)
        self.gbs.data = _segments(list(analysis.boundaries_um), y0, y1)
        self.fits.data = fit_curves(analysis.results)


def _segments(xs: list[float], y0: float, y1: float) -> dict[str, list[float]]:
    return {"x0": [float(v) for v in xs], "x1": [float(v) for v in xs],
            "y0": [y0] * len(xs), "y1": [y1] * len(xs)}  # fmt: skip
