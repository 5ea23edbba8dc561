"""The records of a study run: results.json (:func:`results_document`) and provenance.json
(:func:`provenance`: versions, input file hashes, the study file, seeds, the command line)."""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..quantities import jsonable
from ..report.html import ReportPage
from ..report.provenance import DEPENDENCIES, PROVENANCE_KIND, package_version, sha256_of
from .methods import methods_text
from .outcome import AnalysisOutcome
from .plan import Plan
from .schema import files_of

__all__ = ["RESULTS_FORMAT", "provenance", "report_page", "results_document"]

RESULTS_FORMAT = "tracerdiff-results/1"


def results_document(
    plan: Plan, outcomes: Sequence[AnalysisOutcome], comparisons: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The content of results.json (documented in docs/report.md)."""
    spec = plan.study.spec
    return {
        "format": RESULTS_FORMAT,
        "study": {
            "title": spec.study.title,
            "material": spec.sample.material,
            "seed": spec.study.seed,
        },
        "measurements": {mid: (t.to_dict() if t else None) for mid, t in plan.timings.items()},
        "analyses": {o.id: o.to_dict() for o in outcomes},
        "comparisons": jsonable(list(comparisons)),
    }


def provenance(
    plan: Plan,
    *,
    scheduler: Any = None,
    elapsed_s: float | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The provenance record of a run of ``plan`` (JSON-plain)."""
    study = plan.study
    files = []
    seen: set[Path] = set()
    for p in files_of(study.spec):
        rp = p.resolve()
        if rp in seen:
            continue
        seen.add(rp)
        rel = rp.relative_to(study.base_dir) if rp.is_relative_to(study.base_dir) else rp
        files.append({"path": str(rel), "sha256": sha256_of(rp), "bytes": rp.stat().st_size})
    out: dict[str, Any] = {
        "kind": PROVENANCE_KIND,
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "tracerdiff": package_version("tracerdiff"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": {name: package_version(name) for name in DEPENDENCIES},
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]] if sys.argv else [],
        "scheduler": "local threads" if scheduler is None else str(scheduler),
        "study_file": {"path": str(study.path), "sha256": study.sha256, "text": study.text},
        "inputs": files,
        "seeds": {
            "root": plan.root_seed,
            "method": "numpy.random.SeedSequence(root).spawn(n_analyses); parts spawn further",
            "analyses": {pa.id: pa.seed_info() for pa in plan.analyses},
        },
    }
    if elapsed_s is not None:
        out["elapsed_s"] = round(elapsed_s, 3)
    if extra:
        out.update(extra)
    return out


def report_page(plan: Plan, outcomes: Sequence[AnalysisOutcome]) -> ReportPage:
    """What the report page says of the study itself (title, sample, methods, the file)."""
    spec = plan.study.spec
    return ReportPage(
        title=spec.study.title,
        material=spec.sample.material,
        description=spec.study.description,
        study_text=plan.study.text,
        methods=methods_text(plan, outcomes),
    )
