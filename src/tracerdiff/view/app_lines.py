"""The page's lines: the line edited (its two ends dragged, its width), its profile and step
analysis (:func:`tracerdiff.view.session.analyse_line`), the boundaries added or removed with a
click on the profile, and the lines kept besides it (each with its own boundaries, shown again
when chosen in the "Line" selector)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..errors import InputError
from .app_state import AppState
from .inputs import parse_length_um, step_settings
from .map_panel import band_corners
from .profile_panel import k_table_html
from .session import Line, analyse_line

if TYPE_CHECKING:
    from typing import Any

    from ..imaging.options import ProfileLine
    from .session import LineAnalysis

__all__ = ["NEW_LINE", "LinesMixin", "lines_html"]

#: the selector's entry for a line not kept yet
NEW_LINE = "new line"


def lines_html(kept: list[LineAnalysis], active: int | None) -> str:
    """The lines kept: ends, width, boundaries (detected or placed); data-* in full precision."""
    if not kept:
        return "<p id='lines-empty'>One line; 'Keep line' to draw several.</p>"
    rows = []
    for i, a in enumerate(kept):
        ln = a.line
        mode = "detected" if a.auto else "placed"
        edit = " (edited)" if i == active else ""
        rows.append(
            f"<tr class='line-row' data-n-boundaries='{len(a.results)}' data-mode='{mode}'>"
            f"<td>line {i + 1}{edit}</td><td>({ln.start_um[0]:.1f}, {ln.start_um[1]:.1f}) → "
            f"({ln.end_um[0]:.1f}, {ln.end_um[1]:.1f})</td><td>{ln.width_um:g} um</td>"
            f"<td>{len(a.results)} {html.escape(mode)}</td></tr>"
        )
    head = "<tr><th>line</th><th>from → to (um)</th><th>width</th><th>boundaries</th></tr>"
    return f"<table id='lines-table'>{head}{''.join(rows)}</table>"


class LinesMixin(AppState):
    """Line handlers of :class:`~tracerdiff.view.app.ViewerApp`."""

    def _schedule(self) -> None:
        """Recompute once for a burst of changes (the ends are dragged)."""
        import panel as pn

        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            self.recompute()
            return
        if not self._pending:
            self._pending = True
            doc.add_next_tick_callback(self._tick)

    def _tick(self) -> None:
        self._pending = False
        self.recompute()

    def current_line(self) -> ProfileLine | None:
        """The line drawn (None until both ends are placed)."""
        d = self.map.line_source.data
        if len(d["x"]) < 2:
            return None
        width = parse_length_um(self.inputs["width"].value, what="line width")
        return Line((float(d["x"][0]), float(d["y"][0])), (float(d["x"][1]), float(d["y"][1])),
                    width)  # fmt: skip

    def recompute(self) -> None:
        """Profile and step analysis of the current line; errors go to the page."""
        self._show("")

        def run() -> None:
            line = self.current_line()
            if line is None:
                self.analysis = None
                self.map.set_band([])
            else:
                self.map.set_band(band_corners(line.start_um, line.end_um, line.width_um))
                self.analysis = analyse_line(self.source.fraction, line, self._settings(),
                                             self.boundaries)  # fmt: skip
                if self.active is not None:
                    self.kept[self.active] = self.analysis
            self._draw()

        self._guard(run, "the line")

    def _settings(self) -> Any:
        i = self.inputs
        return step_settings(i["d_bulk"].value, i["delta"].value, i["guard"].value,
                             i["resolution"].value, i["order"].value)  # fmt: skip

    def _draw(self) -> None:
        a = self.analysis
        self.profile.show(a)
        self.k_table.object = k_table_html(a)
        self.lines_table.object = lines_html(self.kept, self.active)
        if a is None:
            self.line_info.object = ""
            return
        ln = a.line
        name = "new line" if self.active is None else f"line {self.active + 1}"
        self.line_info.object = (
            f"<p id='line-info' data-line='{name}' data-start-x='{ln.start_um[0]!r}' "
            f"data-start-y='{ln.start_um[1]!r}' data-end-x='{ln.end_um[0]!r}' data-end-y="
            f"'{ln.end_um[1]!r}' data-width='{ln.width_um!r}'>{name}: ({ln.start_um[0]:.2f}, "
            f"{ln.start_um[1]:.2f}) → ({ln.end_um[0]:.2f}, {ln.end_um[1]:.2f}) um, width "
            f"{ln.width_um:g} um, {a.profile.sizes['x_um']} points</p>")  # fmt: skip

    def _on_tap(self, event: Any) -> None:
        """A click on the profile adds a boundary there, or removes the one next to it."""
        if self.analysis is None or event.x is None:
            return
        current = list(self.analysis.boundaries_um)
        pitch = float(self.analysis.profile.attrs.get("pitch_um", 1.0))
        near = [b for b in current if abs(b - event.x) <= max(2 * pitch, 1.0)]
        if near:
            current.remove(min(near, key=lambda b: abs(b - event.x)))
        else:
            current.append(float(event.x))
        self.boundaries = sorted(current)
        self.recompute()

    def _redetect(self) -> None:
        self.boundaries = None
        self.recompute()

    # ---------------------------------------------------------------- several lines
    def keep_line(self) -> None:
        """Keep the line edited (with its boundaries) and start a new one."""
        if self.analysis is None:
            raise InputError("no line to keep: draw a line first")
        if self.active is None:
            self.kept.append(self.analysis)
        self._start_new_line()

    def _start_new_line(self) -> None:
        self.active, self.boundaries, self.analysis = None, None, None
        self.map.line_source.data = {"x": [], "y": []}
        self._refresh_lines()
        self.recompute()

    def _refresh_lines(self) -> None:
        """The selector's entries and the kept lines on the map (all but the one edited)."""
        names = [f"line {i + 1}" for i in range(len(self.kept))]
        value = NEW_LINE if self.active is None else names[self.active]
        self._selecting = True
        try:
            self.line_select.param.update(options=[NEW_LINE, *names], value=value)
        finally:
            self._selecting = False
        shown = [i for i in range(len(self.kept)) if i != self.active]
        self.map.set_kept([(self.kept[i].line.start_um, self.kept[i].line.end_um) for i in shown],
                          [names[i] for i in shown])  # fmt: skip

    def _select_line(self, value: str) -> None:
        """Edit a kept line again (its ends, width and boundaries), or start a new one."""
        if self._selecting:
            return
        if value == NEW_LINE:
            self._start_new_line()
            return
        i = int(value.split()[-1]) - 1
        a = self.kept[i]
        self.active = i
        self.boundaries = None if a.auto else list(a.boundaries_um)
        self._refresh_lines()
        ln = a.line
        self.inputs["width"].value = f"{ln.width_um!r} um"
        self.map.line_source.data = {"x": [ln.start_um[0], ln.end_um[0]],
                                     "y": [ln.start_um[1], ln.end_um[1]]}  # fmt: skip
        self.recompute()

    def _reanalyse_kept(self) -> str:
        """The kept lines analysed again (a new map or pixel size); when one no longer fits the
        map they are dropped, and the reason returned ("" when all were analysed)."""
        if not self.kept:
            return ""
        settings = self._settings()
        try:
            self.kept = [self._again(a, settings) for a in self.kept]
        except InputError as exc:
            self.kept, self.active = [], None
            self._refresh_lines()
            return f"the lines kept were dropped: {exc}"
        return ""

    def _again(self, a: LineAnalysis, settings: Any) -> LineAnalysis:
        bnd = None if a.auto else a.boundaries_um
        return analyse_line(self.source.fraction, a.line, settings, bnd)

    def all_lines(self) -> list[tuple[ProfileLine, tuple[float, ...] | None]]:
        """Every line with its boundaries (None: the detected ones): the kept, then the one
        drawn when it is new."""
        out = list(self.kept)
        if self.active is None and self.analysis is not None:
            out.append(self.analysis)
        return [(a.line, None if a.auto else a.boundaries_um) for a in out]
