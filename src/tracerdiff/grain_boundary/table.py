"""Many boundaries in one table (the study's ESI table) with summary statistics and writers.

Statistics of k = D_gb/delta (cm/s) and D_gb (cm^2/s) use the boundaries whose preferred estimate
has a bounded 95 % set above zero (k significantly positive); bounded-only, not significant
(the set reaches k <= 0, e.g. the gradient not measurable), uphill and not analysable ones are
counted, not averaged (a harmonic mean over k values compatible with zero would be dominated by
noise).  The harmonic mean of k is the one a 1D series (chain) model uses.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..outputs import atomic_write_text
from ..quantities import finite_or_none, quantity, to_json
from ..results import ResultMixin
from .result import StepResult

__all__ = ["GBTable", "summarize"]

CSV_COLUMNS = (
    "profile",
    "position_um",
    "analysable",
    "estimator",
    "dC_gb",
    "dC_gb_err",
    "dCdy_per_cm",
    "dCdy_err_per_cm",
    "k_cm_s",
    "k_err_cm_s",
    "k_lower_cm_s",
    "k_upper_cm_s",
    "ci_kind",
    "D_gb_cm2_s",
    "D_gb_err_cm2_s",
    "well_measured",
    "flags",
    "reason",
)


def _stats(v: np.ndarray, unit: str) -> dict[str, Any]:
    n = int(v.size)
    if n == 0:
        return {"count": 0, "mean": quantity(None, None, unit, note="no measured boundary")}
    sd = float(np.std(v, ddof=1)) if n > 1 else math.nan
    lg = np.log(v)
    gsd = float(np.std(lg, ddof=1)) if n > 1 else math.nan
    se = math.sqrt(n)
    return {
        "count": n,
        "mean": quantity(v.mean(), sd / se if n > 1 else None, unit),
        "median": quantity(np.median(v), None, unit),
        "geometric_mean": quantity(
            math.exp(lg.mean()), math.exp(lg.mean()) * gsd / se if n > 1 else None, unit
        ),
        "harmonic_mean": quantity(n / np.sum(1.0 / v), None, unit),
        "sd": quantity(sd, None, unit),
        "sd_ln": finite_or_none(gsd),
        "min": quantity(v.min(), None, unit),
        "max": quantity(v.max(), None, unit),
    }


def summarize(results: Sequence[StepResult]) -> dict[str, Any]:
    """Summary statistics of k and D_gb over ``results`` (see the module docstring)."""
    ks, dgb = [], []
    counts = {
        "total": len(results),
        "measured": 0,
        "bounded_only": 0,
        "not_significant": 0,
        "uphill": 0,
        "not_analysable": 0,
        "angle_unknown": 0,
        "well_measured": 0,
    }
    for r in results:
        best = r.preferred
        if not r.analysable or best is None:
            counts["not_analysable"] += 1
        elif "uphill" in r.flags or (best.estimator == "flux" and "uphill_flux" in r.flags):
            counts["uphill"] += 1
        elif "angle_unknown" in r.flags:
            # steps found automatically: k assumes a GB normal to the line and is biased
            # (5-9x high across a simulated map); listed per boundary, never averaged
            counts["angle_unknown"] += 1
        elif not best.bounded:
            counts["bounded_only"] += 1
        elif best.ci95.lower is None or not best.ci95.lower > 0:
            counts["not_significant"] += 1
        else:
            counts["measured"] += 1
            ks.append(best.k)
            dgb.append(best.k * best.delta_nm * 1e-7)
        counts["well_measured"] += int(r.well_measured)
    return {
        "counts": counts,
        "D_gb_over_delta": _stats(np.array(ks), "cm/s"),
        "D_gb": _stats(np.array(dgb), "cm^2/s"),
    }


def _row(p: int, r: StepResult) -> list[Any]:
    best = r.preferred
    ci = best.ci95 if best is not None else None
    k = best.k if best is not None and best.bounded else math.nan
    ke = best.k_err if best is not None and best.bounded else math.nan
    dl = best.delta_nm * 1e-7 if best is not None else math.nan
    vals = [
        p,
        r.position_um,
        int(r.analysable),
        best.estimator if best else "",
        r.jump,
        r.jump_err,
        r.grad,
        r.grad_err,
        k,
        ke,
        ci.lower if ci else None,
        ci.upper if ci else None,
        ci.kind if ci else "",
        k * dl,
        ke * dl,
        int(r.well_measured),
        ";".join(r.flags),
        r.reason,
    ]
    return ["" if (isinstance(v, float) and not math.isfinite(v)) or v is None else v for v in vals]


@dataclass(frozen=True, eq=False)
class GBTable(ResultMixin):
    """Boundaries of one or more profiles: ``results[i]`` belongs to profile ``profile[i]``."""

    results: tuple[StepResult, ...]
    profile: tuple[int, ...]

    @classmethod
    def from_profiles(cls, per_profile: Sequence[Sequence[StepResult]]) -> GBTable:
        """Flatten the output of :func:`analyze_profiles` (profile index kept)."""
        res = [r for row in per_profile for r in row]
        prof = [p for p, row in enumerate(per_profile) for _ in row]
        return cls(results=tuple(res), profile=tuple(prof))

    @property
    def summary(self) -> dict[str, Any]:
        """:func:`summarize` of every boundary."""
        return summarize(self.results)

    def to_dict(self) -> dict[str, Any]:
        """Keys: boundaries (each with ``profile``), summary."""
        rows = []
        for p, r in zip(self.profile, self.results, strict=True):
            d = r.to_dict()
            d["profile"] = p
            rows.append(d)
        return {"boundaries": rows, "summary": self.summary}

    def to_csv_text(self) -> str:
        """CSV text: one row per boundary, columns :data:`CSV_COLUMNS` (units in the names)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for p, r in zip(self.profile, self.results, strict=True):
            w.writerow(_row(p, r))
        return buf.getvalue()

    def write_csv(self, path: str | os.PathLike[str], *, force: bool = False) -> None:
        """Write :meth:`to_csv_text` atomically (refuses to overwrite without ``force``)."""
        atomic_write_text(path, self.to_csv_text(), force=force)

    def write_json(self, path: str | os.PathLike[str], *, force: bool = False) -> None:
        """Write :meth:`to_dict` as strict JSON atomically."""
        atomic_write_text(path, to_json(self.to_dict()) + "\n", force=force)
