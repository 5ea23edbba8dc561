"""Parsing of points and pairs of lengths given as text (``"10,20"``, ``"10,20 um"``,
``"10 um,20 um"``), shared by the CLI options and the study files; lengths in um through the
project's one quantity parser (:func:`tracerdiff.units.parse_quantity`)."""

from __future__ import annotations

from typing import Any

from .errors import InputError
from .units import parse_quantity

__all__ = ["parse_lengths_xy", "parse_point", "point_field"]


def _length(text: str, *, what: str, default_unit: str) -> float:
    try:
        return parse_quantity(text, "length", default_unit=default_unit)
    except InputError as exc:
        msg = str(exc)
        raise type(exc)(msg if msg.startswith(what) else f"{what}: {msg}") from None


def parse_point(text: str, *, option: str, default_unit: str = "um") -> tuple[float, float]:
    """Parse ``"X,Y"`` (optionally with a unit: ``"10,20 um"`` or ``"10 um,20 um"``) in um;
    errors name ``option`` (a CLI option or a study key)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise InputError(f"{option}: expected 'X,Y' (e.g. '10,25' in um), got {text!r}")
    unit = ""
    last = parts[1].split()
    if len(last) == 2 and len(parts[0].split()) == 1:
        parts[1], unit = last[0], last[1]
    x, y = (_length(f"{p} {unit}".strip(), what=option, default_unit=default_unit) for p in parts)
    return x, y


def parse_lengths_xy(text: str, *, option: str) -> tuple[float, float]:
    """``"X,Y"`` (um, or with a unit) or one value for both axes; both must be positive."""
    if "," in text:
        x, y = parse_point(text, option=option)
    else:
        x = y = _length(text, what=option, default_unit="um")
    if not (x > 0 and y > 0):
        raise InputError(f"{option}: expected one or two positive lengths, got {text!r}")
    return x, y


def point_field(v: Any) -> tuple[float, float]:
    """A point of a study key or options model: ``"X,Y"`` (um, or with a unit) or ``[x, y]`` in
    um; raises ValueError (for pydantic) with what was expected."""
    if (
        isinstance(v, (list, tuple))
        and len(v) == 2
        and all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in v)
    ):
        return float(v[0]), float(v[1])
    if not isinstance(v, str):
        raise ValueError(f"expected a point 'X,Y' in um such as '20,100', got {v!r}")
    try:
        return parse_point(v, option="point")
    except InputError as exc:
        raise ValueError(str(exc).removeprefix("point: ")) from None
