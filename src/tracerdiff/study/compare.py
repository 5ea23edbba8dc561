"""Recovered numbers beside the truth (a JSON file) and published values (``[[comparisons]]``).

Each row: ``recovered`` {value, stderr, unit} (stderr a standard error), ``truth``,
``published``, ``ratio_to_truth``, ``n_errors`` = (recovered - truth) / sqrt(stderr^2 +
truth stderr^2) (signed; null without a standard error), ``truth_within_2_stderr`` and
``truth_within_3_stderr``, ``relative_stderr`` = stderr / |recovered| (null without a
standard error or for a zero value: whether an error is small enough to mean something), and a
``note`` (the study's note, then any problem: no standard error, a missing result or truth). The
report shows ``n_errors`` in its own column.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from ..quantities import finite_or_none, quantity
from .fields import guess_kind
from .load import Study
from .outcome import AnalysisOutcome

__all__ = ["evaluate_comparisons", "lookup", "n_errors", "resolve_pointer"]


def lookup(results: dict[str, Any], keys: Sequence[str]) -> Any:
    """``results[k1][k2]...`` (list items by integer keys); KeyError naming the missing key."""
    obj: Any = results
    for k in keys:
        if isinstance(obj, list):
            obj = obj[int(k)]
        elif isinstance(obj, dict) and k in obj:
            obj = obj[k]
        else:
            raise KeyError(k)
    return obj


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """A JSON pointer (``/a/b/0``, RFC 6901) into ``doc``."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/") if p]
    return lookup(doc, parts)


def _as_quantity(obj: Any, unit: str) -> dict[str, Any] | None:
    if isinstance(obj, dict) and "value" in obj:
        return {
            "value": finite_or_none(obj.get("value")),
            "stderr": finite_or_none(obj.get("stderr")),
            "unit": obj.get("unit", unit),
        }
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return quantity(obj, None, unit)
    return None


def evaluate_comparisons(study: Study, outcomes: Sequence[AnalysisOutcome]) -> list[dict[str, Any]]:
    """One row per comparison: recovered, truth, published, ratios; problems as a ``note``."""
    by_id = {o.id: o for o in outcomes}
    rows = []
    for c in study.spec.comparisons:
        aid, *keys = c.result.split(".")
        row: dict[str, Any] = {
            "label": c.label,
            "result": c.result,
            "recovered": None,
            "truth": None,
            "published": None,
            "note": c.note,
        }
        notes = [c.note] if c.note else []
        o = by_id.get(aid)
        rec = None
        if o is None or not o.ok:
            notes.append(f"analysis {aid!r} {o.status if o else 'missing'}")
        else:
            try:
                rec = _as_quantity(lookup(o.results, keys), "")
            except (KeyError, IndexError, ValueError):
                notes.append(f"no result {'.'.join(keys)!r} in {aid!r}")
        row["recovered"] = rec
        unit = rec["unit"] if rec else ""
        if c.truth:
            row["truth"] = _truth(study, c.truth, unit, notes)
        if c.published:
            _, value, pub_unit = guess_kind(c.published)
            row["published"] = quantity(value, None, pub_unit)
        row["ratio_to_truth"] = _ratio(rec, row["truth"])
        row["ratio_to_published"] = _ratio(rec, row["published"])
        row["n_errors"] = n_errors(rec, row["truth"])
        row["truth_within_2_stderr"] = _within(row["n_errors"], 2.0)
        row["truth_within_3_stderr"] = _within(row["n_errors"], 3.0)
        row["relative_stderr"] = _relative(rec)
        if row["n_errors"] is None and rec and row["truth"]:
            notes.insert(0, "no standard error: distance to the truth in errors not available")
        row["note"] = "; ".join(n for n in notes if n)
        rows.append(row)
    return rows


def _truth(study: Study, ref: str, unit: str, notes: list[str]) -> dict[str, Any] | None:
    fname, _, pointer = ref.partition("#")
    try:
        doc = json.loads((study.base_dir / fname).read_text(encoding="utf-8"))
        return _as_quantity(resolve_pointer(doc, pointer), unit)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        notes.append(f"truth {ref!r} not found ({type(exc).__name__}: {exc})")
        return None


def _ratio(a: dict[str, Any] | None, b: dict[str, Any] | None) -> float | None:
    if not a or not b or a.get("value") is None or not b.get("value"):
        return None
    return finite_or_none(a["value"] / b["value"])


def n_errors(rec: dict[str, Any] | None, truth: dict[str, Any] | None) -> float | None:
    """(recovered - truth) in standard errors (both errors in quadrature); None without one."""
    if not rec or not truth or rec.get("value") is None or truth.get("value") is None:
        return None
    se = math.hypot(rec.get("stderr") or 0.0, truth.get("stderr") or 0.0)
    if not se > 0:
        return None
    return finite_or_none((rec["value"] - truth["value"]) / se)


def _relative(rec: dict[str, Any] | None) -> float | None:
    """stderr / |value| of a recovered quantity; None without a stderr or for a zero value."""
    if not rec or rec.get("value") is None or rec.get("stderr") is None or not rec["value"]:
        return None
    return finite_or_none(rec["stderr"] / abs(rec["value"]))


def _within(n: float | None, limit: float) -> bool | None:
    return None if n is None else bool(math.fabs(n) <= limit)
