"""The JSON form of quantities (science.md section 9) and JSON-plain conversion.

Every physical quantity is ``{"value": v, "stderr": s or null, "unit": u}``; NaN and infinities
become null with a ``"note"``; one-sided bounds are ``{"value": null, "lower": v, ...}``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["bound", "finite_or_none", "jsonable", "quantity", "to_json"]


def finite_or_none(x: Any) -> float | None:
    """A plain float, or None when ``x`` is None, NaN or infinite."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def quantity(
    value: Any, stderr: Any = None, unit: str = "", *, note: str | None = None
) -> dict[str, Any]:
    """The JSON form of one quantity; NaN/inf values are written as null with a note.

    >>> quantity(1.2e-9, 3e-11, "cm^2/s")
    {'value': 1.2e-09, 'stderr': 3e-11, 'unit': 'cm^2/s'}
    >>> quantity(float("nan"), None, "cm/s")
    {'value': None, 'stderr': None, 'unit': 'cm/s', 'note': 'value is undefined (NaN)'}
    """
    out: dict[str, Any] = {
        "value": finite_or_none(value),
        "stderr": finite_or_none(stderr),
        "unit": unit,
    }
    notes = []
    if value is not None and out["value"] is None:
        notes.append(f"value is {_nonfinite_word(value)}")
    if stderr is not None and out["stderr"] is None:
        notes.append(f"stderr is {_nonfinite_word(stderr)}")
    if note:
        notes.append(note)
    if notes:
        out["note"] = "; ".join(notes)
    return out


def _nonfinite_word(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "not a number"
    if math.isnan(v):
        return "undefined (NaN)"
    return "infinite" if v > 0 else "minus infinite"


def bound(
    *, lower: Any = None, upper: Any = None, unit: str = "", note: str | None = None
) -> dict[str, Any]:
    """A quantity known only by bounds, e.g. ``k only bounded from below``."""
    out: dict[str, Any] = {"value": None, "stderr": None, "unit": unit}
    if lower is not None:
        out["lower"] = finite_or_none(lower)
    if upper is not None:
        out["upper"] = finite_or_none(upper)
    if note:
        out["note"] = note
    return out


def jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, dataclasses, paths and mappings to JSON-plain objects.

    Non-finite floats become None (callers that need a note use :func:`quantity`).
    """
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return finite_or_none(obj)
    np = sys.modules.get("numpy")  # numpy objects exist only once numpy is imported
    if np is not None:
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.floating):
            return finite_or_none(obj)
        if isinstance(obj, np.ndarray):
            return [jsonable(v) for v in obj.tolist()]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, complex):
        return [finite_or_none(obj.real), finite_or_none(obj.imag)]
    return str(obj)


def to_json(obj: Any, *, indent: int | None = 2) -> str:
    """Serialise ``obj`` (after :func:`jsonable`) as strict JSON (no NaN tokens)."""
    return json.dumps(jsonable(obj), indent=indent, allow_nan=False)
