"""Writing a run's output folder: report.html, results.json, tables/*.csv, figures/*.png|svg,
provenance.json. Called on a fresh temporary folder that the runner renames into place."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..quantities import jsonable, to_json
from ..study.outcome import AnalysisOutcome
from ..study.plan import Plan
from .html import render_report
from .provenance import provenance

__all__ = ["results_document", "write_run"]

RESULTS_FORMAT = "tracerdiff-results/1"


def results_document(plan: Plan, outcomes: Sequence[AnalysisOutcome],
                     comparisons: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The content of results.json (documented in docs/report.md)."""
    spec = plan.study.spec
    return {
        "format": RESULTS_FORMAT,
        "study": {"title": spec.study.title, "material": spec.sample.material,
                  "seed": spec.study.seed},
        "measurements": {mid: (t.to_dict() if t else None) for mid, t in plan.timings.items()},
        "analyses": {o.id: o.to_dict() for o in outcomes},
        "comparisons": jsonable(list(comparisons)),
    }


def write_run(folder: Path, plan: Plan, outcomes: Sequence[AnalysisOutcome],
              comparisons: Sequence[dict[str, Any]], *, scheduler: Any = None,
              elapsed_s: float | None = None,
              extra: dict[str, Any] | None = None) -> tuple[list[str], dict[str, Any]]:
    """Write every output into ``folder`` (existing); return (relative paths, provenance)."""
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
    put("results.json", to_json(results_document(plan, outcomes, comparisons)) + "\n")
    prov = provenance(plan, scheduler=scheduler, elapsed_s=elapsed_s, extra=extra)
    put("provenance.json", to_json(prov) + "\n")
    put("report.html", render_report(plan, outcomes, comparisons, prov))
    return written, prov
