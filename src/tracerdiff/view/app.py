"""The viewer page: the map panel, the profile panel with its k table, the regions table and
the save controls, wired to :mod:`tracerdiff.view.session` (every number from the library).

``ViewerApp(source).layout`` is a Panel object: served by ``tracerdiff view`` or shown in
Jupyter by :func:`tracerdiff.view.view`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import TracerdiffError
from .inputs import parse_length_um, parse_pixel_size, step_settings
from .map_panel import PALETTES, MapPanel, band_corners
from .overlays import boundary_k_image, check_labels, edge_keys, overlay_arrays, run_gb_map
from .profile_panel import ProfilePanel, k_table_html
from .regions import Polygon, Rect, region_rows, region_table, shapes_text
from .session import Line, LineAnalysis, MapSource, analyse_line, open_map

if TYPE_CHECKING:
    from ..imaging.options import ProfileLine

__all__ = ["ViewerApp"]


def _regions_html(rows: list[dict[str, Any]], shapes: list[Rect | Polygon]) -> str:
    """The ROI table; each row carries its shape (``--roi`` text) and C in full precision."""
    if not rows:
        return "<p>Regions: draw rectangles (box tool) or polygons (polygon tool) on the map.</p>"
    names = list(rows[0]["counts"])
    head = "".join(f"<th>{html.escape(n)}</th>" for n in ["region", "pixels", *names, "C"])
    body = []
    for r, shape in zip(rows, shapes, strict=True):
        counts = "".join(f"<td>{r['counts'][n]:.6g}</td>" for n in names)
        c = "n/a" if r["C"] is None else f"{r['C']:.5f} ± {r['C_err']:.2g}"
        attrs = (
            f'data-label="{r["label"]}" data-n-pixels="{r["n_pixels"]}" data-c="{r["C"]!r}"'
            f' data-c-err="{r["C_err"]!r}" data-shape="{shapes_text([shape]).strip()}"'
        )
        body.append(
            f'<tr class="roi-row" {attrs}><td>{r["label"]}</td><td>{r["n_pixels"]}</td>'
            f"{counts}<td>{c}</td></tr>"
        )
    return f"<table id='roi-table'><tr>{head}</tr>{''.join(body)}</table>"


class ViewerApp:
    """One session's page and state (the current line, its boundaries, the regions)."""

    def __init__(self, source: MapSource, *, d_bulk: str = "", study: str = "",
                 width: str = "16 um", labels: np.ndarray | None = None,
                 study_maps: dict[str, Any] | None = None) -> None:  # fmt: skip
        import panel as pn

        self.source = source
        self.labels = None if labels is None else check_labels(labels, source.fraction)
        self.analysis: LineAnalysis | None = None
        self.boundaries: list[float] | None = None  # None: the detected steps
        self.shapes: list[Rect | Polygon] = []
        self._pending = False
        served = pn.state.curdoc is not None and pn.state.curdoc.session_context is not None
        self.map = MapPanel(
            source.fraction, unit="um" if source.calibrated else "px", counts_later=served
        )
        if served:  # a lighter first page: the hover's counts follow once it is drawn
            pn.state.onload(self.map.send_counts)
        self.profile = ProfilePanel()
        self.message = pn.pane.Alert("", alert_type="warning", visible=False, name="message")
        self.k_table = pn.pane.HTML(k_table_html(None), name="k_table")
        self.roi_table = pn.pane.HTML(_regions_html([], []), name="roi_table")
        self.line_info = pn.pane.HTML("", name="line_info")
        self.status = pn.pane.HTML("", name="status")
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
            "study": w.TextInput(label="Study file", value=study or "view_study.toml"),
            "profile": w.TextInput(label="Profile CSV", value="profile.csv"),
            "table": w.TextInput(label="Boundary table CSV", value="boundaries.csv"),
            "regions": w.TextInput(label="Regions (shapes file)", value="regions.txt"),
        }
        self.show_edges = w.Checkbox(
            label="Grain boundaries (labels)", value=False, disabled=self.labels is None
        )
        self.gb_map_button = pn.widgets.Button(
            label="gb-map: k of every boundary", disabled=self.labels is None
        )
        self.gb_map_info = pn.pane.HTML("", name="gb_map_info")
        if self.labels is not None:
            self.map.add_overlays(self.labels.shape)
        self.study_maps = study_maps or {}
        self.measurement = w.Select(
            label="Study map", options=list(self.study_maps), visible=bool(self.study_maps)
        )
        self.overwrite = w.Checkbox(label="Overwrite CSV/shapes files", value=False)
        self._wire()

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
        self.show_edges.param.watch(lambda e: self._toggle_edges(bool(e.new)), "value")
        self.gb_map_button.on_click(lambda _e: self._run_gb_map())
        self.apply_pixel = pn.widgets.Button(label="Apply pixel size")
        self.apply_pixel.on_click(lambda *_: self._set_pixel_size())
        self.buttons = {n: pn.widgets.Button(label=label) for n, label in
                        (("study", "Save lines to study"), ("profile", "Save profile CSV"),
                         ("table", "Save table CSV"), ("regions", "Save regions"))}  # fmt: skip
        for n, b in self.buttons.items():
            b.param.update(color="primary")
            b.on_click(self._saver(n))

    def _set_limits(self) -> None:
        lo, hi = (v.value for v in self.limits)
        if lo is not None and hi is not None:
            self.map.set_limits(float(lo), float(hi))

    def _saver(self, what: str) -> Any:
        return lambda _event: self._save(what)

    def _pixel_text(self) -> str:
        a = self.source.fraction.attrs
        if not self.source.calibrated:
            return ""
        return f"{float(a['pixel_size_x_um']):.6g},{float(a['pixel_size_y_um']):.6g}"

    # ---------------------------------------------------------------- messages
    def _show(self, text: str, kind: str = "warning") -> None:
        self.message.param.update(object=html.escape(text), alert_type=kind, visible=bool(text))

    def _guard(self, fn: Any) -> Any:
        try:
            return fn()
        except TracerdiffError as exc:
            self._show(str(exc))
        return None

    # ---------------------------------------------------------------- line and steps
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
            else:
                i = self.inputs
                settings = step_settings(i["d_bulk"].value, i["delta"].value, i["guard"].value,
                                         i["resolution"].value, i["order"].value)  # fmt: skip
                self.map.set_band(band_corners(line.start_um, line.end_um, line.width_um))
                self.analysis = analyse_line(self.source.fraction, line, settings,
                                             self.boundaries)  # fmt: skip
            self._draw()

        self._guard(run)

    def _draw(self) -> None:
        a = self.analysis
        self.profile.show(a)
        self.k_table.object = k_table_html(a)
        if a is not None:
            ln = a.line
            self.line_info.object = (
                f"<p id='line-info' data-start-x='{ln.start_um[0]!r}' data-start-y="
                f"'{ln.start_um[1]!r}' data-end-x='{ln.end_um[0]!r}' data-end-y='{ln.end_um[1]!r}'"
                f" data-width='{ln.width_um!r}'>line ({ln.start_um[0]:.2f}, {ln.start_um[1]:.2f})"
                f" → ({ln.end_um[0]:.2f}, {ln.end_um[1]:.2f}) um, width {ln.width_um:g} um, "
                f"{a.profile.sizes['x_um']} points</p>")  # fmt: skip

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

    def _open_measurement(self, mid: str) -> None:
        """Show another image measurement of the study (its files and corrections)."""

        def run() -> None:
            files, pair, corr = self.study_maps[mid]
            self.source = open_map(files, pair=pair, options=corr)
            self.map.set_map(self.source.fraction)
            self.boundaries = None
            self.recompute()
            self._regions_changed()

        self._guard(run)

    def _set_pixel_size(self) -> None:
        def run() -> None:
            self.source = self.source.recalibrated(parse_pixel_size(str(self.pixel_size.value)))
            self.map.set_map(self.source.fraction)
            self.recompute()
            self._regions_changed()

        self._guard(run)

    # ---------------------------------------------------------------- overlays
    def _toggle_edges(self, on: bool) -> None:
        if self.labels is None:
            return
        if on and len(self.map.edges_source.data["image"][0]) <= 1:
            edges = np.where(edge_keys(self.labels) >= 0, 1.0, np.nan)
            self.map.edges_source.data = overlay_arrays(edges, self.map.block)
        self.map.edges.visible = on

    def _run_gb_map(self) -> None:
        def run() -> None:
            assert self.labels is not None
            res = run_gb_map(self.source.fraction, self.labels, self._settings())
            kimg = boundary_k_image(res)
            good = kimg[np.isfinite(kimg) & (kimg > 0)]
            if good.size:
                self.map.k_mapper.update(low=float(good.min()), high=float(good.max()))
            self.map.k_source.data = overlay_arrays(kimg, self.map.block)
            self.map.k_image.visible = self.map.k_bar.visible = True
            d = res.to_dict()["summary"]
            hm = d["D_gb_over_delta_hmean"]
            hm_text = "n/a" if hm["value"] is None else f"{hm['value']:.3g} cm/s"
            self.gb_map_info.object = (
                f"<p id='gb-map-info' data-n-measured='{d['n_measured']}'>gb-map: "
                f"{d['n_boundaries']} boundaries, {d['n_measured']} measured; pooled harmonic "
                f"mean k {hm_text}</p>")  # fmt: skip

        self._show("")
        self._guard(run)

    # ---------------------------------------------------------------- regions
    def current_shapes(self) -> list[Rect | Polygon]:
        """Rectangles and polygons drawn on the map (um)."""
        r, p = self.map.rect_source.data, self.map.poly_source.data
        out: list[Rect | Polygon] = [
            Rect(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            for x, y, w, h in zip(r["x"], r["y"], r["width"], r["height"], strict=True)
        ]
        for xs, ys in zip(p["xs"], p["ys"], strict=True):
            if len(xs) >= 3:
                pts = tuple((float(a), float(b)) for a, b in zip(xs, ys, strict=True))
                out.append(Polygon(pts))
        return out

    def _regions_changed(self) -> None:
        def run() -> None:
            self.shapes = self.current_shapes()
            rows = region_rows(region_table(self.source, self.shapes))
            self.roi_table.object = _regions_html(rows, self.shapes)

        self._show("")
        self._guard(run)

    # ---------------------------------------------------------------- saving
    def _save(self, what: str) -> None:
        from . import save

        force = bool(self.overwrite.value)
        path = str(self.paths[what].value).strip()

        def run() -> None:
            a = self.analysis
            if what == "study":
                if a is None:
                    raise save.InputError("no line to save: draw a line first")
                res = save.save_study(
                    path,
                    source=self.source,
                    settings=self._settings(),
                    lines=[(a.line, None if a.auto else a.boundaries_um)],
                )
                self._show(
                    f"saved {', '.join(res.analyses)} to {res.path}"
                    + (f" (backup {res.backup})" if res.backup else ""),
                    "success",
                )
                return
            if what == "regions":
                save.save_regions(self.shapes, path, force=force)
            elif a is None:
                raise save.InputError("no line: draw a line first")
            elif what == "profile":
                save.save_profile_csv(a, path, force=force)
            else:
                save.save_boundaries_csv(a, path, force=force)
            self._show(f"wrote {path}", "success")

        self._guard(run)

    def _settings(self) -> Any:
        i = self.inputs
        return step_settings(
            i["d_bulk"].value,
            i["delta"].value,
            i["guard"].value,
            i["resolution"].value,
            i["order"].value,
        )

    # ---------------------------------------------------------------- page
    @property
    def layout(self) -> Any:
        """The page as a Panel object."""
        import panel as pn

        files = ", ".join(html.escape(str(f)) for f in self.source.files) or "dataset in memory"
        head = pn.pane.HTML(f"<h3>tracerdiff view</h3><p>{files} — pair {self.source.pair}</p>")
        side = pn.Column(
            self.measurement,
            *self.limits,
            self.palette,
            self.pixel_size,
            self.apply_pixel,
            self.show_edges,
            self.gb_map_button,
            self.gb_map_info,
            width=220,
        )
        for wid in self.inputs.values():
            wid.width = 150
        steps = pn.Row(*self.inputs.values(), self.detect)
        saving = pn.Column(
            pn.Row(self.paths["study"], self.buttons["study"]),
            pn.Row(self.paths["profile"], self.buttons["profile"]),
            pn.Row(self.paths["table"], self.buttons["table"]),
            pn.Row(self.paths["regions"], self.buttons["regions"]),
            self.overwrite,
        )
        return pn.Column(
            head, self.message,
            pn.Row(pn.pane.Bokeh(self.map.figure), side),
            steps, self.line_info,
            pn.Row(pn.pane.Bokeh(self.profile.figure), pn.Column(self.k_table, self.roi_table)),
            saving, self.status,
        )  # fmt: skip
