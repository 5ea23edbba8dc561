"""The map panel: the fraction map as a Bokeh image (zoom, pan, colour limits, colour bar,
scale bar, hover read-out of x, y in um, counts and C +- error), the profile line with two
draggable ends and the region tools (rectangles, polygons, freehand).  Large maps are shown
block-averaged (display only: every number is computed on the full map)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

__all__ = ["MAX_DISPLAY_SIDE", "PALETTES", "MapPanel", "band_corners", "display_arrays"]

#: maps larger than this (pixels per side) are shown block-averaged
MAX_DISPLAY_SIDE = 1024
#: colour maps offered on the page
PALETTES = {
    "viridis": "Viridis256",
    "cividis": "Cividis256",
    "inferno": "Inferno256",
    "greys": "Greys256",
    "turbo": "Turbo256",
}


def bokeh_api() -> tuple[Any, Any]:
    """``(bokeh.models, bokeh.plotting.figure)`` untyped: Bokeh's annotations do not type the
    property-based constructors (``Range1d(0, 1)`` reads as (ID, str))."""
    import bokeh.models
    import bokeh.plotting

    return bokeh.models, bokeh.plotting.figure


def _block_mean(a: np.ndarray, k: int) -> np.ndarray:
    ny, nx = (a.shape[0] // k) * k, (a.shape[1] // k) * k
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks stay NaN
        return np.nanmean(a[:ny, :nx].reshape(ny // k, k, nx // k, k), axis=(1, 3))


def display_arrays(fds: Any, max_side: int = MAX_DISPLAY_SIDE) -> tuple[dict[str, Any], int]:
    """({"image": C, "C_err", "n_a", "n_b"}, k): the arrays drawn (float32), block-averaged
    k x k when a side exceeds ``max_side``."""
    names = {"image": "C", "C_err": "C_err", "n_a": "n_a", "n_b": "n_b"}
    arrays = {k: np.asarray(fds[v].values, dtype=np.float32) for k, v in names.items() if v in fds}
    k = max(1, int(np.ceil(max(arrays["image"].shape) / max_side)))
    if k > 1:
        arrays = {n: _block_mean(a, k).astype(np.float32) for n, a in arrays.items()}
    return {n: [a] for n, a in arrays.items()}, k


def _extent(fds: Any) -> tuple[float, float]:
    from ..imaging.pipeline import pixel_sizes

    px, py = pixel_sizes(fds)
    return px * fds.sizes["x"], py * fds.sizes["y"]


def _limits(c: np.ndarray) -> tuple[float, float]:
    ok = c[np.isfinite(c)]
    if ok.size == 0:
        return 0.0, 1.0
    lo, hi = (float(f"{v:.4g}") for v in np.percentile(ok, [1, 99]))
    return (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)


class MapPanel:
    """Bokeh figure of the map with the line and region renderers (sources are attributes)."""

    def __init__(self, fds: Any, *, unit: str = "um", height: int = 420,
                 counts_later: bool = False) -> None:  # fmt: skip
        bm, figure = bokeh_api()
        data, self.block = display_arrays(fds)
        # the error and count images only feed the hover: sent after the page has loaded
        self._counts = {k: data.pop(k) for k in ("C_err", "n_a", "n_b")
                        if counts_later and k in data}  # fmt: skip
        w, h = self.extent_um = _extent(fds)
        lo, hi = self.limits = _limits(data["image"][0])
        self.mapper = bm.LinearColorMapper(palette="Viridis256", low=lo, high=hi,
                                           nan_color="white")  # fmt: skip
        width = int(min(900, max(300, height * w / h))) if h > 0 else height
        self.figure = fig = figure(
            x_range=bm.Range1d(0, w, bounds=(0, w)), y_range=bm.Range1d(h, 0, bounds=(0, h)),
            width=width + 90, height=height, match_aspect=True, name="map",
            tools="pan,wheel_zoom,box_zoom,reset,save", active_scroll="wheel_zoom",
            x_axis_label=f"x ({unit})", y_axis_label=f"y ({unit})")  # fmt: skip
        self.image_source = bm.ColumnDataSource(data)
        self.image = fig.image(image="image", x=0, y=0, dw=w, dh=h, source=self.image_source,
                               color_mapper=self.mapper, name="C_image")  # fmt: skip
        fig.add_layout(bm.ColorBar(color_mapper=self.mapper, title="C", width=12), "right")
        if unit == "um":  # a scale bar in metric lengths (none on a map in pixel units)
            fig.add_layout(bm.ScaleBar(range=fig.x_range, unit="µm", location="bottom_left",
                                       dimensional=bm.MetricLength()))  # fmt: skip
        fig.add_tools(bm.HoverTool(renderers=[self.image], tooltips=self._tooltips(fds, unit)))
        self._add_line(bm)
        self._add_regions(bm)

    def _tooltips(self, fds: Any, unit: str) -> list[tuple[str, str]]:
        a, _, b = str(fds.attrs.get("pair", "a/b")).partition("/")
        block = "" if self.block == 1 else f" ({self.block} x {self.block} mean)"
        tips = [
            ("x, y", f"$x{{0.00}}, $y{{0.00}} {unit}"),
            ("C" + block, "@image{0.00000} ± @C_err{0.00000}"),
        ]
        if "n_a" in fds and "n_b" in fds:
            tips.append((f"counts {a}, {b}", "@n_a{0.0}, @n_b{0.0}"))
        return tips

    def _add_line(self, bm: Any) -> None:
        fig = self.figure
        self.band_source = bm.ColumnDataSource({"x": [], "y": []})
        fig.patch("x", "y", source=self.band_source, fill_alpha=0.15, fill_color="white",
                  line_color="white", line_dash="dashed")  # fmt: skip
        self.line_source = bm.ColumnDataSource({"x": [], "y": []}, name="line_ends")
        fig.line("x", "y", source=self.line_source, color="red", line_width=2)
        ends = fig.scatter("x", "y", source=self.line_source, size=11, color="red",
                           line_color="white")  # fmt: skip
        draw = bm.PointDrawTool(
            renderers=[ends], num_objects=2, description="Line: click its two ends, drag them"
        )
        fig.add_tools(draw)
        fig.toolbar.active_tap = draw
        self.kept_source = bm.ColumnDataSource({"xs": [], "ys": []}, name="kept_lines")
        fig.multi_line("xs", "ys", source=self.kept_source, color="magenta", line_width=2,
                       line_dash="dashed")  # fmt: skip
        self.kept_labels = bm.ColumnDataSource({"x": [], "y": [], "text": []})
        fig.text("x", "y", "text", source=self.kept_labels, text_color="magenta",
                 text_font_size="9pt", x_offset=4, y_offset=-4)  # fmt: skip

    def _add_regions(self, bm: Any) -> None:
        fig = self.figure
        self.rect_source = bm.ColumnDataSource({"x": [], "y": [], "width": [], "height": []},
                                               name="rects")  # fmt: skip
        rects = fig.rect("x", "y", "width", "height", source=self.rect_source, fill_alpha=0.2,
                         fill_color="orange", line_color="orange")  # fmt: skip
        self.poly_source = bm.ColumnDataSource({"xs": [], "ys": []}, name="polys")
        polys = fig.patches("xs", "ys", source=self.poly_source, fill_alpha=0.2,
                            fill_color="cyan", line_color="cyan")  # fmt: skip
        vertices = fig.scatter([], [], size=7, color="cyan")
        fig.add_tools(bm.BoxEditTool(renderers=[rects], description="Rectangle region"),
                      bm.PolyDrawTool(renderers=[polys], description="Polygon region"),
                      bm.FreehandDrawTool(renderers=[polys], description="Freehand region"),
                      bm.PolyEditTool(renderers=[polys], vertex_renderer=vertices))  # fmt: skip

    def add_overlays(self) -> None:
        """Hidden image layers for grain boundaries (white) and gb-map's k (log colours, grey
        where k is not measurable), on the map's extent."""
        bm, _ = bokeh_api()
        w, h = self.extent_um
        empty = {"image": [np.full((1, 1), np.nan, dtype=np.float32)]}
        self.edges_source = bm.ColumnDataSource(dict(empty))
        white = bm.LinearColorMapper(palette=["white"], low=0, high=2, nan_color=(0, 0, 0, 0))
        self.edges = self.figure.image(image="image", x=0, y=0, dw=w, dh=h, visible=False,
                                       source=self.edges_source, color_mapper=white,
                                       name="grain_edges")  # fmt: skip
        self.k_source = bm.ColumnDataSource(dict(empty))
        self.k_mapper = bm.LogColorMapper(palette="Plasma256", low=1e-8, high=1e-4,
                                          low_color="gray", nan_color=(0, 0, 0, 0))  # fmt: skip
        self.k_image = self.figure.image(
            image="image",
            x=0,
            y=0,
            dw=w,
            dh=h,
            visible=False,
            source=self.k_source,
            color_mapper=self.k_mapper,
        )
        self.figure.add_tools(
            bm.HoverTool(
                renderers=[self.k_image],
                tooltips=[("k = D_gb/δ", "@image{0.000e+0} cm/s (0: not measurable)")],
            )
        )
        self.figure.add_layout(bm.ColorBar(color_mapper=self.k_mapper, title="k (cm/s)",
                                           width=10, visible=False), "right")  # fmt: skip
        self.k_bar = self.figure.right[-1]
        transform = bm.LogColorMapper(palette="Plasma256", low=1e-8, high=1e-4)
        self.cross_mapper = transform
        self.cross_source = bm.ColumnDataSource({"xs": [], "ys": [], "k": []}, name="crossings")
        self.crossings = self.figure.multi_line(
            "xs", "ys", source=self.cross_source, line_width=4, visible=False,
            line_color={"field": "k", "transform": transform},
        )  # fmt: skip
        self.unmeasured_source = bm.ColumnDataSource({"x": [], "y": []})
        self.unmeasured = self.figure.scatter("x", "y", source=self.unmeasured_source, size=7,
                                              color="gray", visible=False)  # fmt: skip

    def set_kept(self, lines: list[tuple[tuple[float, float], tuple[float, float]]],
                 labels: list[str]) -> None:  # fmt: skip
        """The lines kept (drawn dashed, labelled) besides the one being edited."""
        self.kept_source.data = {"xs": [[a[0], b[0]] for a, b in lines],
                                 "ys": [[a[1], b[1]] for a, b in lines]}  # fmt: skip
        self.kept_labels.data = {"x": [a[0] for a, _ in lines], "y": [a[1] for a, _ in lines],
                                 "text": labels}  # fmt: skip

    def set_palette(self, name: str) -> None:
        """Colour map by name (``PALETTES``)."""
        self.mapper.palette = PALETTES[name]

    def send_counts(self) -> None:
        """Add the error and count images held back by ``counts_later`` (only those columns
        are sent)."""
        if self._counts:
            self.image_source.data.update(self._counts)
            self._counts = {}

    def set_limits(self, low: float, high: float) -> None:
        """Colour limits of the map."""
        self.mapper.update(low=low, high=high)

    def set_band(self, corners: list[tuple[float, float]]) -> None:
        """Outline of the profile band (um)."""
        self.band_source.data = {"x": [p[0] for p in corners], "y": [p[1] for p in corners]}

    def set_map(self, fds: Any) -> None:
        """Show another fraction map (e.g. after a new pixel size: the extent follows)."""
        data, self.block = display_arrays(fds)
        w, h = self.extent_um = _extent(fds)
        self.image.glyph.update(dw=w, dh=h)
        self.figure.x_range.update(start=0, end=w, bounds=(0, w))
        self.figure.y_range.update(start=h, end=0, bounds=(0, h))
        self.image_source.data = data


def band_corners(
    start: tuple[float, float], end: tuple[float, float], width: float
) -> list[tuple[float, float]]:
    """Corners of the band of half-width ``width / 2`` around the segment (um)."""
    p0, p1 = np.asarray(start, float), np.asarray(end, float)
    d = p1 - p0
    n = np.hypot(*d)
    if not n > 0:
        return []
    nv = np.array([-d[1], d[0]]) / n * width / 2
    return [(float(p[0]), float(p[1])) for p in (p0 + nv, p1 + nv, p1 - nv, p0 - nv)]
