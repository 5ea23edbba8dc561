"""The page's save buttons: the lines and regions to a study (:func:`tracerdiff.view.save.
save_study`), the profile and boundary table as CSV, the regions as a ``--roi`` shapes file,
and the figure as PNG or SVG (:mod:`tracerdiff.view.figure`)."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .app_data import DataMixin

__all__ = ["SaveMixin"]


class SaveMixin(DataMixin):
    """Save handlers of :class:`~tracerdiff.view.app.ViewerApp`."""

    def _saver(self, what: str) -> Any:
        return lambda _event: self._save(what)

    def _save(self, what: str) -> None:
        force = bool(self.overwrite.value)
        path = str(self.paths[what].value).strip()
        self._show("")
        self._guard(lambda: self._save_one(what, path, force), f"save {what}")

    def _save_one(self, what: str, path: str, force: bool) -> None:
        from . import save

        a = self.analysis
        if what == "study":
            res = save.save_study(path, source=self.source, settings=self._settings(),
                                  lines=self.all_lines(), regions=self.shapes)  # fmt: skip
            backup = f" (backup {res.backup})" if res.backup else ""
            self._show(f"saved {', '.join(res.analyses)} to {res.path}{backup}", "success")
            return
        if what == "figure":
            from .figure import save_figure, view_figure

            lines = [ln for ln, _ in self.all_lines()]
            name = f"line {len(self.kept) + 1 if self.active is None else self.active + 1}"
            title = f"{name}: profile and the fits of each boundary" if a is not None else ""
            fig = view_figure(self.source.fraction, a, lines=lines, shapes=self.shapes,
                              title=title)  # fmt: skip
            save_figure(fig, path, force=force)
        elif what == "regions":
            save.save_regions(self.shapes, path, force=force)
        elif a is None:
            raise InputError("no line: draw a line first")
        elif what == "profile":
            save.save_profile_csv(a, path, force=force)
        else:
            save.save_boundaries_csv(a, path, force=force)
        self._show(f"wrote {path}", "success")
