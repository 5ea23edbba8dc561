"""Delimited impedance tables: column roles and units from header names, numbers from rows.

Header names are matched case-insensitively with spaces and quotes removed: frequency
(``f``, ``freq``, ``Frequency (Hz)``, ``Freq/Hz``; ``omega`` or ``rad/s`` for angular frequency),
real part (``Z'``, ``Zre``, ``Z Real``, ``Re(Z)``), imaginary part (``Z''``, ``Z"``, ``Zim``,
``Zimg``, ``Z Imag``, ``Im(Z)``; a leading ``-`` means the column holds -Z''), modulus and phase
(``|Z|``, ``Zmod``, ``Phase``), temperature (``T``, ``Temp``, ``T_K``, ``T (degC)``).  Units:
ohm with k/M/G/m prefixes (``kOhm``, ``MΩ``), Hz with m/k/M (case matters: mHz vs MHz),
temperature K or degC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import FileFormatError

__all__ = ["Column", "TableColumns", "classify_header", "parse_rows", "split_line"]

_END = r"(?=\(|/|\[|_|$)"
_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("omega", re.compile(r"^(omega|ω|w)" + _END)),
    ("frequency", re.compile(r"^(f|freq|frequency)" + _END)),
    (
        "imag",
        re.compile(
            r"^[-−]?(z''|z\"|zim|zimag|zimg|zimaginary|zi|im\(z\)|imz|im|z_im|"
            r"zpp)" + _END
        ),
    ),
    ("real", re.compile(r"^(z'|zre|zreal|zr|re\(z\)|rez|re|z_re|zp)" + _END)),
    ("modulus", re.compile(r"^(\|z\||zmod|modz|z|impedance)" + _END)),
    ("phase", re.compile(r"^[-−]?(phase|zphz|phz|phi|theta|θ)" + _END)),
    ("temperature", re.compile(r"^(t|temp|temperature)" + _END)),
)
_OHM = re.compile(r"(?<![A-Za-z])([kMGm]?)(ohms?|Ω)(?![A-Za-z])", re.IGNORECASE)
_OHM_PREFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "g": 1e9, "m": 1e-3}
_HZ = re.compile(r"(?<![A-Za-z])([mkKM]?)hz(?![A-Za-z])", re.IGNORECASE)
_HZ_PREFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "m": 1e-3}


@dataclass(frozen=True)
class Column:
    """One recognised column: its index, a factor to the internal unit, the sign to apply."""

    index: int
    scale: float = 1.0
    sign: float = 1.0
    unit: str = ""


@dataclass(frozen=True)
class TableColumns:
    """The columns a table provides (None where absent)."""

    frequency: Column | None
    real: Column | None
    imag: Column | None
    modulus: Column | None = None
    phase: Column | None = None
    temperature: Column | None = None
    angular: bool = False

    @property
    def complete(self) -> bool:
        has_z = (self.real is not None and self.imag is not None) or (
            self.modulus is not None and self.phase is not None
        )
        return self.frequency is not None and has_z


def split_line(line: str, delimiter: str | None) -> list[str]:
    """Fields of one line (``None``: runs of whitespace)."""
    if delimiter is None:
        return line.split()
    return [
        s.strip()
        for s in line.strip().strip(delimiter if delimiter != "\t" else "").split(delimiter)
    ]


def _compact(name: str) -> str:
    """Lower-case name without spaces or surrounding quotes; primes as apostrophes."""
    s = re.sub(r"\s+", "", name)
    if len(s) > 2 and s[0] == s[-1] and s[0] in "\"'":
        s = s[1:-1]
    s = s.replace("\u2033", "''").replace("\u2032", "'")
    return s.lower()


def _role(name: str) -> str | None:
    compact = _compact(name)
    for role, pattern in _ROLES:
        if pattern.match(compact):
            return role
    return None


def _ohm_scale(name: str) -> tuple[float, str]:
    m = _OHM.search(name)
    if not m:
        return 1.0, "ohm"
    prefix = m.group(1)
    return _OHM_PREFIX.get(prefix, 1.0), f"{prefix}ohm"


def _column(role: str, index: int, name: str) -> Column:
    if role in ("real", "imag", "modulus"):
        scale, unit = _ohm_scale(name)
        sign = -1.0 if role == "imag" and name.strip().lstrip("\"'").startswith(("-", "−")) else 1.0
        return Column(index, scale, sign, unit)
    if role == "frequency":
        m = _HZ.search(name)
        prefix = m.group(1) if m else ""
        return Column(index, _HZ_PREFIX.get(prefix, 1.0), 1.0, f"{prefix}Hz")
    if role == "phase":
        rad = bool(re.search(r"rad", name, re.IGNORECASE))
        sign = -1.0 if name.strip().startswith(("-", "−")) else 1.0
        return Column(index, 1.0 if rad else np.pi / 180.0, sign, "rad" if rad else "deg")
    if role == "temperature":
        celsius = bool(re.search(r"(°|deg)\s*c\b|_c\b|\(c\)|/c\b", name, re.IGNORECASE))
        return Column(index, 1.0, 1.0, "degC" if celsius else "K")
    return Column(index)


def classify_header(names: list[str]) -> TableColumns:
    """The columns recognised among ``names`` (the first match of each role wins)."""
    found: dict[str, Column] = {}
    for i, name in enumerate(names):
        role = _role(name)
        if role == "omega":
            role = "frequency"
            found.setdefault("angular", Column(i))
        if role is not None and role not in found:
            found[role] = _column(role, i, name)
    freq = found.get("frequency")
    angular = "angular" in found or bool(
        freq and re.search(r"rad", names[freq.index], re.IGNORECASE)
    )
    return TableColumns(
        freq,
        found.get("real"),
        found.get("imag"),
        found.get("modulus"),
        found.get("phase"),
        found.get("temperature"),
        angular,
    )


def _number(text: str, decimal_comma: bool) -> float:
    t = text.strip().strip("\"'")
    if decimal_comma:
        t = t.replace(",", ".")
    return float(t)


def parse_rows(
    lines: list[str],
    first_line: int,
    *,
    delimiter: str | None,
    n_columns: int,
    where: str,
    decimal_comma: bool = False,
) -> NDArray[np.float64]:
    """A float array (rows x ``n_columns``) of ``lines``; blank lines are skipped.  A row that
    is short or not numeric raises :class:`FileFormatError` naming its line number (1-based,
    counted from ``first_line``)."""
    rows: list[list[float]] = []
    for k, line in enumerate(lines):
        if not line.strip():
            continue
        fields = split_line(line, delimiter)
        if len(fields) < n_columns:
            raise FileFormatError(
                f"{where}line {first_line + k + 1} has {len(fields)} fields; "
                f"expected at least {n_columns}"
            )
        try:
            rows.append([_number(s, decimal_comma) for s in fields[:n_columns]])
        except ValueError:
            raise FileFormatError(
                f"{where}line {first_line + k + 1}: a field is not a number "
                "(expected numeric rows after the header)"
            ) from None
    if not rows:
        raise FileFormatError(f"{where}no data rows found after the header")
    return np.asarray(rows, dtype=float)
