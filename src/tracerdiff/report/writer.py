"""Writing a run's output folder: report.html, results.json, tables/*.csv, figures/*.png|svg,
provenance.json. Called on a fresh temporary folder that the runner renames into place."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..quantities import to_json
from .content import AnalysisOutcome
from .html import ReportPage, render_report

__all__ = ["write_run"]


def write_run(
    folder: Path,
    page: ReportPage,
    outcomes: Sequence[AnalysisOutcome],
    comparisons: Sequence[dict[str, Any]],
    *,
    results: dict[str, Any],
    prov: dict[str, Any],
) -> list[str]:
    """Write every output into ``folder`` (existing): tables, figures, ``results`` as
    results.json, ``prov`` as provenance.json and the report page; the relative paths."""
    written: list[str] = []

    def put(rel: str, data: str | bytes) -> None:
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data, encoding="utf-8")
        written.append(rel)

    for o in outcomes:
        for t in o.tables:
            put(f"tables/{t.name}.csv", t.to_csv())
        for f in o.figures:
            put(f"figures/{f.name}.png", f.png)
            put(f"figures/{f.name}.svg", f.svg)
    put("results.json", to_json(results) + "\n")
    put("provenance.json", to_json(prov) + "\n")
    put("report.html", render_report(page, outcomes, comparisons, prov))
    return written
