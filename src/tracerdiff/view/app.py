"""The viewer page: the map panel, the profile panel with its k table, the lines kept, the
regions table, the overlays and the open/save controls, wired to :mod:`tracerdiff.view.session`
(every number from the library).  The handlers are in :mod:`.app_lines` (lines and steps),
:mod:`.app_data` (maps, overlays, regions) and :mod:`.app_save` (files).

``ViewerApp(source).layout`` is a Panel object: served by ``tracerdiff view`` or shown in
Jupyter by :func:`tracerdiff.view.view`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from .access import ReadAccess
from .app_data import regions_html
from .app_lines import NEW_LINE
from .app_save import SaveMixin
from .map_panel import PALETTES, MapPanel
from .overlays import check_labels
from .profile_panel import ProfilePanel, k_table_html

if TYPE_CHECKING:
    import numpy as np

    from .overlays import Micrograph
    from .regions import Polygon, Rect
    from .session import LineAnalysis, MapSource

__all__ = ["ViewerApp"]


class ViewerApp(SaveMixin):
    """One session's page and state (the lines, their boundaries, the regions, the overlays)."""

    def __init__(self, source: MapSource, *, d_bulk: str = "", study: str = "",
                 width: str = "16 um", labels: np.ndarray | None = None,
                 micrograph: Micrograph | None = None,
                 study_maps: dict[str, Any] | None = None,
                 access: ReadAccess | None = None) -> None:  # fmt: skip
        import panel as pn

        self.source = source
        self.labels = None if labels is None else check_labels(labels, source.fraction)
        self.micrograph = micrograph
        self.access = access or ReadAccess.of(source.files, study or None)
        self.analysis: LineAnalysis | None = None
        self.boundaries: list[float] | None = None  # None: the detected steps
        self.kept: list[LineAnalysis] = []  # lines kept besides the one edited
        self.active: int | None = None  # index in kept of the line edited (None: a new one)
        self.shapes: list[Rect | Polygon] = []
        self._pending = self._selecting = False
        served = pn.state.curdoc is not None and pn.state.curdoc.session_context is not None
        self._served = served
        self.map = MapPanel(
            source.fraction, unit="um" if source.calibrated else "px", counts_later=served
        )
        self.profile = ProfilePanel()
        self.message = pn.pane.Alert("", alert_type="warning", visible=False, name="message")
        self.k_table = pn.pane.HTML(k_table_html(None), name="k_table")
        self.roi_table = pn.pane.HTML(regions_html([], []), name="roi_table")
        self.lines_table = pn.pane.HTML("", name="lines_table")
        self.line_info = pn.pane.HTML("", name="line_info")
        self.gb_map_info = pn.pane.HTML("", name="gb_map_info")
        self.study_maps = study_maps or {}
        self._shown_measurement = next(iter(self.study_maps), None)
        self._widgets(d_bulk, width, study)
        if self.labels is not None or micrograph is not None:
            self.map.add_overlays()
        self._wire()

    def _widgets(self, d_bulk: str, width: str, study: str) -> None:
        import panel as pn

        w = pn.widgets
        self.inputs = {
            "width": w.TextInput(label="Line width", value=width),
            "d_bulk": w.TextInput(label="D_b", value=d_bulk, placeholder="2.6e-8 cm^2/s"),
            "delta": w.TextInput(label="δ (GB width)", value="0.5 nm"),
            "guard": w.TextInput(label="Guard (empty: 2.5 x resolution)", value=""),
            "resolution": w.TextInput(label="Resolution", value="1 um"),
            "order": w.Select(label="Polynomial order", options=[1, 2], value=2),
        }
        lo, hi = self.map.limits
        self.limits = (
            w.FloatInput(label="C min", value=lo, step=0.01),
            w.FloatInput(label="C max", value=hi, step=0.01),
        )
        self.palette = w.Select(label="Colour map", options=list(PALETTES), value="viridis")
        self.pixel_size = w.TextInput(label="Pixel size (um)", value=self._pixel_text())
        self.paths = {
            "study": w.TextInput(
                label="Study file", value=study or "view_study.toml", placeholder="study.toml"
            ),
            "profile": w.TextInput(label="Profile CSV", value="profile.csv"),
            "table": w.TextInput(label="Boundary table CSV", value="boundaries.csv"),
            "regions": w.TextInput(label="Regions (shapes file)", value="regions.txt"),
            "figure": w.TextInput(
                label="Figure (.png or .svg)",
                value="view_figure.png",
                placeholder="figure.png or figure.svg",
            ),
        }
        no_grains = self.labels is None and self.micrograph is None
        self.show_edges = w.Checkbox(label="Grain boundaries (labels)", value=False,
                                     disabled=self.labels is None)  # fmt: skip
        self.show_micrograph = w.Checkbox(label="Micrograph boundaries", value=False,
                                          disabled=self.micrograph is None)  # fmt: skip
        self.gb_map_button = w.Button(label="gb-map: k of every boundary", disabled=no_grains)
        self.measurement = w.Select(
            label="Study map", options=list(self.study_maps), visible=bool(self.study_maps)
        )
        self.open_files = w.TextInput(
            label="Open files (comma-separated)", value="", placeholder="map_6Li.txt, map_7Li.txt"
        )
        self.open_button = w.Button(label="Open")
        self.line_select = w.Select(label="Line", options=[NEW_LINE], value=NEW_LINE)
        self.keep_button = w.Button(label="Keep line, draw another")
        self.overwrite = w.Checkbox(label="Overwrite CSV, shapes and figure files", value=False)

    # ---------------------------------------------------------------- wiring
    def _wire(self) -> None:
        import panel as pn
        from bokeh.events import Tap

        self.map.line_source.on_change("data", lambda _a, _o, _n: self._schedule())
        self.map.rect_source.on_change("data", lambda _a, _o, _n: self._regions_changed())
        self.map.poly_source.on_change("data", lambda _a, _o, _n: self._regions_changed())
        self.profile.figure.on_event(Tap, self._on_tap)
        for wid in self.inputs.values():
            wid.param.watch(lambda *_: self._schedule(), "value")
        for wid in self.limits:
            wid.param.watch(lambda *_: self._set_limits(), "value")
        self.palette.param.watch(lambda e: self.map.set_palette(e.new), "value")
        self.detect = pn.widgets.Button(label="Detect steps again")
        self.detect.on_click(lambda *_: self._redetect())
        self.measurement.param.watch(lambda e: self._open_measurement(str(e.new)), "value")
        self.open_button.on_click(lambda _e: self._open_files(str(self.open_files.value)))
        self.show_edges.param.watch(lambda e: self._toggle_edges(bool(e.new)), "value")
        self.show_micrograph.param.watch(lambda e: self._toggle_micrograph(bool(e.new)), "value")
        self.gb_map_button.on_click(lambda _e: self._run_gb_map())
        self.line_select.param.watch(lambda e: self._select_line(str(e.new)), "value")
        self.keep_button.on_click(lambda _e: self._guard(self.keep_line))
        self.apply_pixel = pn.widgets.Button(label="Apply pixel size")
        self.apply_pixel.on_click(lambda *_: self._set_pixel_size())
        self.buttons = {n: pn.widgets.Button(label=label) for n, label in
                        (("study", "Save to study"), ("profile", "Save profile CSV"),
                         ("table", "Save table CSV"), ("regions", "Save regions"),
                         ("figure", "Save figure"))}  # fmt: skip
        for n, b in self.buttons.items():
            b.param.update(color="primary")
            b.on_click(self._saver(n))

    def _set_limits(self) -> None:
        lo, hi = (v.value for v in self.limits)
        if lo is not None and hi is not None:
            self.map.set_limits(float(lo), float(hi))

    # ---------------------------------------------------------------- page
    @property
    def layout(self) -> Any:
        """The page as a Panel object.  Served, the first page is the map with its controls,
        the lines, the step inputs and the tables; the profile plot, the save controls and the
        hover's error and count images follow once it is drawn (a faster first load)."""
        import panel as pn

        side, lines, steps, profile, saving = self._parts()
        if not self._served:
            return self._page(side, lines, steps, profile, saving)
        slots = (pn.Column(margin=0), pn.Column(margin=0))

        def fill() -> None:
            self.map.send_counts()
            slots[0].objects, slots[1].objects = [profile], [saving]

        pn.state.onload(fill)
        return self._page(side, lines, steps, *slots)

    def _parts(self) -> tuple[Any, Any, Any, Any, Any]:
        """(the side controls below the colours, the lines row, the step inputs, the profile
        plot, the save controls)."""
        import panel as pn

        side = pn.Column(self.open_files, self.open_button, self.pixel_size, self.apply_pixel,
                         self.show_edges, self.show_micrograph, self.gb_map_button,
                         self.gb_map_info, margin=0)  # fmt: skip
        lines = pn.Row(self.line_select, self.keep_button, self.lines_table)
        for wid in self.inputs.values():
            wid.width = 150
        steps = pn.Row(*self.inputs.values(), self.detect)
        profile = pn.pane.Bokeh(self.profile.figure)
        saving = pn.Column(*(pn.Row(self.paths[n], self.buttons[n]) for n in self.paths),
                           self.overwrite)  # fmt: skip
        return side, lines, steps, profile, saving

    def _page(self, side: Any, lines: Any, steps: Any, profile: Any, saving: Any) -> Any:
        import panel as pn

        files = ", ".join(html.escape(str(f)) for f in self.source.files) or "dataset in memory"
        self.head = pn.pane.HTML(
            f"<h3>tracerdiff view</h3><p>{files} — pair {self.source.pair}</p>"
        )
        controls = pn.Column(self.measurement, *self.limits, self.palette, side, width=220)
        return pn.Column(
            self.head, self.message,
            pn.Row(pn.pane.Bokeh(self.map.figure), controls),
            lines, steps, self.line_info,
            pn.Row(profile, pn.Column(self.k_table, self.roi_table)),
            saving,
        )  # fmt: skip
