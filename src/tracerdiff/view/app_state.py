"""The state every part of the viewer page shares (the map, the lines, the regions, the
widgets) and its messages: the base of :class:`tracerdiff.view.app.ViewerApp`."""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING, Any

from ..errors import TracerdiffError

if TYPE_CHECKING:
    import numpy as np

    from .access import ReadAccess
    from .map_panel import MapPanel
    from .overlays import Micrograph
    from .profile_panel import ProfilePanel
    from .regions import Polygon, Rect
    from .session import LineAnalysis, MapSource

__all__ = ["AppState"]

_log = logging.getLogger("tracerdiff.view")


class AppState:
    """Attributes of one session's page (set by ``ViewerApp.__init__``) and its messages."""

    source: MapSource
    labels: np.ndarray | None
    micrograph: Micrograph | None
    access: ReadAccess
    analysis: LineAnalysis | None
    boundaries: list[float] | None  # None: the detected steps
    kept: list[LineAnalysis]  # lines kept besides the one edited
    active: int | None  # index in kept of the line edited (None: a new one)
    shapes: list[Rect | Polygon]
    study_maps: dict[str, Any]
    map: MapPanel
    profile: ProfilePanel
    _pending: bool
    _served: bool  # the page is served by tracerdiff view (not a Jupyter cell)
    _selecting: bool
    _edges_of: str
    _shown_measurement: str | None  # the study map shown (None: files, not a study map)
    gb_map_result: Any  # the last gb-map result shown (BoundaryMapResult or GBMapResult)
    # Panel widgets and panes (untyped: Panel's parameters)
    message: Any
    head: Any
    k_table: Any
    roi_table: Any
    lines_table: Any
    line_info: Any
    gb_map_info: Any
    inputs: dict[str, Any]
    limits: tuple[Any, Any]
    palette: Any
    pixel_size: Any
    paths: dict[str, Any]
    show_edges: Any
    show_micrograph: Any
    gb_map_button: Any
    measurement: Any
    open_files: Any
    open_button: Any
    line_select: Any
    keep_button: Any
    overwrite: Any

    def _show(self, text: str, kind: str = "warning") -> None:
        """One line at the top of the page (empty: hidden)."""
        self.message.param.update(object=html.escape(text), alert_type=kind, visible=bool(text))

    def _guard(self, fn: Any, what: str = "") -> Any:
        """Run ``fn``; an error becomes the page's message (a library error in its own words;
        any other only by its type, e.g. a file a reader could not make sense of)."""
        try:
            return fn()
        except TracerdiffError as exc:
            self._show(str(exc))
        except Exception as exc:  # shown on the page, logged for the console
            _log.exception("tracerdiff view: %s failed", what or "an action")
            where = f"{what}: " if what else ""
            self._show(f"{where}failed ({type(exc).__name__}); see the command's output")
        return None

    def _pixel_text(self) -> str:
        a = self.source.fraction.attrs
        if not self.source.calibrated:
            return ""
        return f"{float(a['pixel_size_x_um']):.6g},{float(a['pixel_size_y_um']):.6g}"
