"""Common behaviour of result dataclasses: readable text, HTML and JSON from ``to_dict``.

A result class is a ``@dataclass(frozen=True)`` that defines ``to_dict()`` returning a JSON-plain
mapping (quantities in the form of :func:`tracerdiff.quantities.quantity`) and inherits
:class:`ResultMixin` for ``__str__``, ``_repr_html_`` and ``to_json``.
"""

from __future__ import annotations

import html
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from .quantities import quantity, to_json

__all__ = ["Quantity", "ResultMixin", "render_html", "render_text"]


@dataclass(frozen=True)
class Quantity:
    """One quantity of a result as an attribute (``res.Ea.value``, ``res.Ea.stderr``).

    ``stderr`` is a standard error, or None where the result has none; ``to_dict`` is the JSON
    form of :func:`tracerdiff.quantities.quantity`.

    >>> q = Quantity(0.4003, 0.0043, "eV")
    >>> print(q, q.to_dict())
    0.4003 ± 0.0043 eV {'value': 0.4003, 'stderr': 0.0043, 'unit': 'eV'}
    """

    value: float
    stderr: float | None
    unit: str

    def to_dict(self) -> dict[str, Any]:
        """``{value, stderr, unit}`` (non-finite numbers as null with a note)."""
        return quantity(self.value, self.stderr, self.unit)

    def __str__(self) -> str:
        err = (
            "" if self.stderr is None or not math.isfinite(self.stderr) else f" ± {self.stderr:.2g}"
        )
        return f"{self.value:.4g}{err} {self.unit}".strip()


def _fmt_leaf(v: Any) -> str:
    if isinstance(v, dict) and "value" in v and "unit" in v:
        val, err, unit = v.get("value"), v.get("stderr"), v.get("unit", "")
        if val is None:
            if "lower" in v or "upper" in v:
                parts = []
                if v.get("lower") is not None:
                    parts.append(f">= {v['lower']:.4g}")
                if v.get("upper") is not None:
                    parts.append(f"<= {v['upper']:.4g}")
                return f"{' and '.join(parts)} {unit}".strip()
            return f"n/a {unit} ({v.get('note', '')})".strip()
        s = f"{val:.4g}"
        if err is not None:
            s += f" ± {err:.2g}"
        return f"{s} {unit}".strip()
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list) and len(v) > 8:
        return f"[{len(v)} values]"
    return str(v)


def _is_leaf(v: Any) -> bool:
    return not isinstance(v, dict) or ("value" in v and "unit" in v)


def render_text(d: dict[str, Any], title: str = "", indent: int = 0) -> str:
    """Indented ``key: value`` text of a ``to_dict`` mapping."""
    pad = "  " * indent
    lines = [f"{pad}{title}"] if title else []
    sub = indent + 1 if title else indent
    for k, v in d.items():
        if _is_leaf(v):
            lines.append(f"{'  ' * sub}{k}: {_fmt_leaf(v)}")
        else:
            lines.append(render_text(v, f"{k}:", sub))
    return "\n".join(lines)


def render_html(d: dict[str, Any], title: str = "") -> str:
    """A small HTML table of a ``to_dict`` mapping (nested mappings as nested tables)."""
    rows = []
    for k, v in d.items():
        cell = html.escape(_fmt_leaf(v)) if _is_leaf(v) else render_html(v)
        key = html.escape(str(k))
        rows.append(f"<tr><th style='text-align:left'>{key}</th><td>{cell}</td></tr>")
    cap = f"<caption>{html.escape(title)}</caption>" if title else ""
    return f"<table>{cap}{''.join(rows)}</table>"


class ResultMixin(ABC):
    """Mixin for frozen result dataclasses; each defines ``to_dict()``."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The JSON-plain form of the result (quantities as value/stderr/unit)."""

    def to_json(self, *, indent: int | None = 2) -> str:
        """Strict JSON text of :meth:`to_dict`."""
        return to_json(self.to_dict(), indent=indent)

    def __str__(self) -> str:
        return render_text(self.to_dict(), type(self).__name__)

    def _repr_html_(self) -> str:
        return render_html(self.to_dict(), type(self).__name__)
