"""Shared helpers of the CLI commands: printing JSON and results, option parsing."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console

from ..errors import InputError
from ..outputs import atomic_path
from ..quantities import to_json
from ..units import parse_quantity, parse_quantity_with_error

__all__ = [
    "console",
    "emit",
    "err_console",
    "parse_lengths_xy",
    "parse_point",
    "parse_q",
    "parse_q_with_error",
    "save_png",
]

# soft_wrap: never hard-wrap output (paths and JSON stay whole when piped to a file)
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def emit(payload: dict[str, Any], *, as_json: bool, text: str | None = None) -> None:
    """Print ``payload`` as strict JSON (``--json``) or ``text`` for humans."""
    if as_json:
        sys.stdout.write(to_json(payload) + "\n")
    else:
        console.print(text if text is not None else to_json(payload), highlight=False)


def parse_q(
    text: str | None, kind: str, *, option: str, default_unit: str | None = None
) -> float | None:
    """Parse an option value with units; the error names the option."""
    if text is None:
        return None
    try:
        return parse_quantity(text, kind, default_unit=default_unit)
    except InputError as exc:
        raise type(exc)(f"{option}: {exc}") from None


def parse_point(text: str, *, option: str, default_unit: str = "um") -> tuple[float, float]:
    """Parse ``"X,Y"`` (optionally with a unit: ``"10,20 um"`` or ``"10 um,20 um"``) in um."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise InputError(f"{option}: expected 'X,Y' (e.g. '10,25' in um), got {text!r}")
    unit = ""
    last = parts[1].split()
    if len(last) == 2 and len(parts[0].split()) == 1:
        parts[1], unit = last[0], last[1]
    vals = []
    for p in parts:
        s = f"{p} {unit}".strip()
        v = parse_q(s, "length", option=option, default_unit=default_unit)
        assert v is not None
        vals.append(v)
    return vals[0], vals[1]


def parse_q_with_error(text: str, kind: str, *, option: str) -> tuple[float, float | None]:
    """Parse ``"16+-11 um"`` (or a plain quantity) for an option; the error names the option."""
    try:
        return parse_quantity_with_error(text, kind)
    except InputError as exc:
        raise type(exc)(f"{option}: {exc}") from None


def parse_lengths_xy(text: str, *, option: str) -> tuple[float, float]:
    """``"X,Y"`` (um, or with a unit) or one value for both axes; both must be positive."""
    if "," in text:
        x, y = parse_point(text, option=option)
    else:
        v = parse_q(text, "length", option=option, default_unit="um")
        assert v is not None
        x = y = v
    if not (x > 0 and y > 0):
        raise InputError(f"{option}: expected one or two positive lengths, got {text!r}")
    return x, y


def save_png(fig: Any, path: str, *, force: bool, dpi: int = 130) -> None:
    """Write ``fig`` as a PNG atomically (never half-written, no overwrite without force), then
    close it."""
    import matplotlib.pyplot as plt

    try:
        with atomic_path(path, force=force) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
