"""The page's data: opening maps (a study's other measurement, files named on the page, a new
pixel size), the overlays (label or micrograph boundaries, the ``gb-map`` k of every boundary)
and the regions drawn (:func:`tracerdiff.view.regions.region_table`, as ``fraction --roi``)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InputError
from .app_lines import LinesMixin
from .inputs import parse_pixel_size
from .overlays import (
    boundary_k_image,
    edge_keys,
    overlay_arrays,
    run_gb_map,
    run_gb_map_lines,
)
from .regions import Polygon, Rect, region_rows, region_table, shapes_text
from .session import open_map

if TYPE_CHECKING:
    from .session import MapSource

__all__ = ["DataMixin", "regions_html"]


def regions_html(rows: list[dict[str, Any]], shapes: list[Rect | Polygon]) -> str:
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


def _hmean_text(summary: dict[str, Any]) -> str:
    hm = summary.get("D_gb_over_delta_hmean")  # the boundary route; the line route's table:
    if hm is None:
        hm = summary.get("D_gb_over_delta", {}).get("harmonic_mean") or {}
    return "n/a" if hm.get("value") is None else f"{hm['value']:.3g} cm/s"


class DataMixin(LinesMixin):
    """Map, overlay and region handlers of :class:`~tracerdiff.view.app.ViewerApp`."""

    # ---------------------------------------------------------------- maps
    def _show_source(self, source: MapSource) -> None:
        """Show another map: the lines (same ends, width, boundaries) are profiled again on it,
        the overlays hidden."""
        self.source = source
        self.map.set_map(source.fraction)
        self.pixel_size.value = self._pixel_text()
        dropped = self._reanalyse_kept()
        if self.labels is not None and self.labels.shape != source.fraction["C"].shape:
            self.labels = None
            self.show_edges.param.update(value=False, disabled=True)
        self._hide_overlays()
        files = ", ".join(html.escape(str(f)) for f in source.files)
        if hasattr(self, "head"):
            self.head.object = f"<h3>tracerdiff view</h3><p>{files} — pair {source.pair}</p>"
        self.recompute()
        self._regions_changed()
        if dropped:
            self._show(dropped)

    def _open_measurement(self, mid: str) -> None:
        """Show another image measurement of the study (its files and corrections); when it
        cannot be read, the selector goes back to the map shown."""
        if self._selecting:
            return

        def run() -> bool:
            files, pair, corr = self.study_maps[mid]
            self._show_source(open_map(files, pair=pair, options=corr))
            self._shown_measurement = mid
            return True

        self._show("")
        if self._guard(run, f"study map {mid}") is None:
            self._selecting = True
            try:
                self.measurement.value = self._shown_measurement
            finally:
                self._selecting = False

    def _open_files(self, text: str) -> None:
        """Open the files named on the page (only those given and the study's folder)."""

        def run() -> None:
            files = self.access.check_all(text)
            src = open_map(files, pair=self.source.pair, options=self.source.options)
            self._show_source(src)
            self._show(f"opened {', '.join(f.rsplit('/', 1)[-1] for f in files)}", "success")

        self._show("")
        self._guard(run, "open")

    def _set_pixel_size(self) -> None:
        def run() -> None:
            self.source = self.source.recalibrated(parse_pixel_size(str(self.pixel_size.value)))
            self._show_source(self.source)

        self._guard(run, "pixel size")

    # ---------------------------------------------------------------- overlays
    def _hide_overlays(self) -> None:
        if not hasattr(self.map, "edges"):
            return
        for r in (self.map.edges, self.map.k_image, self.map.k_bar, self.map.crossings,
                  self.map.unmeasured):  # fmt: skip
            r.visible = False
        self.map.edges_source.data = {"image": [np.full((1, 1), np.nan, dtype=np.float32)]}
        self._edges_of = ""
        self.show_edges.value = self.show_micrograph.value = False
        self.gb_map_info.object = ""

    def _show_boundaries(self, which: str, mask: Any) -> None:
        edges = np.where(mask, 1.0, np.nan)
        self.map.edges_source.data = overlay_arrays(edges, self.map.block)
        self._edges_of = which
        self.map.edges.visible = True

    def _toggle_edges(self, on: bool) -> None:
        if self.labels is None:
            return
        if on:
            labels = self.labels
            self._guard(lambda: self._show_boundaries("labels", edge_keys(labels) >= 0),
                        "label boundaries")  # fmt: skip
        elif getattr(self, "_edges_of", "") == "labels":
            self.map.edges.visible = False

    def _toggle_micrograph(self, on: bool) -> None:
        m = self.micrograph
        if m is None:
            return
        if on:
            fds = self.source.fraction
            self._guard(lambda: self._show_boundaries("micrograph", m.mask_on(fds)),
                        "micrograph boundaries")  # fmt: skip
            if self.show_edges.value:
                self.show_edges.value = False
        elif getattr(self, "_edges_of", "") == "micrograph":
            self.map.edges.visible = False

    def _run_gb_map(self) -> None:
        self._show("")
        self._guard(self._gb_map_labels if self.labels is not None else self._gb_map_lines,
                    "gb-map")  # fmt: skip

    def _gb_map_labels(self) -> None:
        assert self.labels is not None
        res = run_gb_map(self.source.fraction, self.labels, self._settings())
        self.gb_map_result = res
        kimg = boundary_k_image(res)
        good = kimg[np.isfinite(kimg) & (kimg > 0)]
        if good.size:
            self.map.k_mapper.update(low=float(good.min()), high=float(good.max()))
        self.map.k_source.data = overlay_arrays(kimg, self.map.block)
        self.map.k_image.visible = self.map.k_bar.visible = True
        d = res.to_dict()["summary"]
        self.gb_map_info.object = (
            f"<p id='gb-map-info' data-n-measured='{d['n_measured']}'>gb-map: "
            f"{d['n_boundaries']} boundaries, {d['n_measured']} measured; pooled harmonic "
            f"mean k {_hmean_text(d)}</p>")  # fmt: skip

    def _gb_map_lines(self) -> None:
        """The micrograph route: every crossing of the lines with the micrograph's boundaries."""
        if self.micrograph is None:
            raise InputError("gb-map needs --labels or --micrograph")
        lines = [ln for ln, _ in self.all_lines()]
        res = run_gb_map_lines(self.source.fraction, self.micrograph, self._settings(), lines)
        self.gb_map_result = res
        segs = res.segments()
        ks = [float(k) for _, _, k in segs]
        if ks:
            lo, hi = min(ks), max(ks)
            self.map.k_mapper.update(low=lo, high=hi if hi > lo else lo * 10)
            self.map.cross_mapper.update(low=lo, high=hi if hi > lo else lo * 10)
        xs = [[a[0], b[0]] for a, b, _ in segs]
        self.map.cross_source.data = {"xs": xs, "ys": [[a[1], b[1]] for a, b, _ in segs], "k": ks}
        pts = res.unmeasured_points()
        self.map.unmeasured_source.data = {"x": [p[0] for p in pts], "y": [p[1] for p in pts]}
        self.map.crossings.visible = self.map.unmeasured.visible = self.map.k_bar.visible = True
        d = res.to_dict()
        n = len(d["boundaries"])
        self.gb_map_info.object = (
            f"<p id='gb-map-info' data-n-crossings='{n}' data-n-measured='{len(ks)}'>gb-map "
            f"(micrograph {html.escape(self.micrograph.name)}): {n} crossings of "
            f"{len(lines)} line(s), {len(ks)} measured, {len(d['skipped'])} skipped; harmonic "
            f"mean k {_hmean_text(d['summary'])}</p>")  # fmt: skip

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
            self.roi_table.object = regions_html(rows, self.shapes)

        self._show("")
        self._guard(run, "regions")
