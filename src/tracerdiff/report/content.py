"""What a report shows of each analysis: tables, rendered figures, and the outcome (status,
results, methods text). The study runner fills them; the report only renders them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from ..quantities import jsonable
from ..results import ResultMixin

__all__ = ["AnalysisOutcome", "FigureData", "Table"]


@dataclass(frozen=True)
class Table:
    """A table: column names (units in the names, e.g. ``k_cm_s``) and rows of plain values."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    caption: str = ""

    def to_csv(self) -> str:
        """CSV text with a header row (non-finite numbers written empty)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(self.columns)
        for row in self.rows:
            w.writerow(["" if v is None else v for v in jsonable(list(row))])
        return buf.getvalue()

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form."""
        return {
            "name": self.name,
            "caption": self.caption,
            "columns": list(self.columns),
            "rows": jsonable([list(r) for r in self.rows]),
        }


@dataclass(frozen=True)
class FigureData:
    """A rendered figure: PNG bytes and SVG text, with a caption."""

    name: str
    caption: str
    png: bytes = field(repr=False)
    svg: str = field(repr=False)


@dataclass(frozen=True)
class AnalysisOutcome(ResultMixin):
    """One analysis after the run: ``status`` is ``ok``, ``failed`` or ``skipped`` (reason set)."""

    id: str
    type: str
    title: str
    status: str
    reason: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    tables: tuple[Table, ...] = ()
    figures: tuple[FigureData, ...] = ()
    methods: str = ""
    warnings: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    seed: dict[str, Any] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the analysis succeeded."""
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain form as written to results.json (figures and tables by name)."""
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "reason": self.reason or None,
            "params": jsonable(self.params),
            "results": jsonable(self.results),
            "tables": [t.name for t in self.tables],
            "figures": [f.name for f in self.figures],
            "warnings": list(self.warnings),
            "elapsed_s": round(self.elapsed_s, 4),
        }
