"""Arrhenius input tables: CSV with a temperature column and D (or sigma) per row.

Columns: ``T_K`` or ``T_C``; ``D`` in cm^2/s with optional ``D_err``, or ``sigma`` in S/cm with
optional ``sigma_err`` (converted to D_sigma by Nernst-Einstein with a number density in
cm^-3).  The tables tracerdiff writes are read as well (:data:`VALUE_COLUMNS`: ``D_cm2_s`` /
``D_err_cm2_s``, ``D_sigma_cm2_s`` / ``D_sigma_err_cm2_s``, ``k_cm_s`` / ``k_err_cm_s``).  An
empty error cell means no error for the whole table.  Lines starting with ``#`` are comments.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
from numpy.typing import NDArray

from ..errors import DataError, FileFormatError, InputError
from .arrhenius import ArrheniusResult
from .transport import nernst_einstein_d

__all__ = ["ArrheniusTable", "fit_arrhenius_table", "read_arrhenius_table"]

FloatArray = NDArray[np.float64]
COLD_LIMIT_K = 50.0
#: value column, its error column, unit: the rate columns an Arrhenius table may have
VALUE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("D", "D_err", "cm^2/s"),
    ("D_cm2_s", "D_err_cm2_s", "cm^2/s"),
    ("D_sigma_cm2_s", "D_sigma_err_cm2_s", "cm^2/s"),
    ("D_eff_cm2_s", "D_eff_err_cm2_s", "cm^2/s"),
    ("k_cm_s", "k_err_cm_s", "cm/s"),
)


@dataclass(frozen=True, eq=False)
class ArrheniusTable:
    """Temperatures (K), D (cm^2/s) and optional D errors, plus where D came from."""

    temperature_K: FloatArray
    D: FloatArray
    D_err: FloatArray | None
    source: str  #: the value column, or "sigma (Nernst-Einstein, n = ... cm^-3)"
    path: str
    unit: str = "cm^2/s"


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(
            f"cannot read table {str(path)!r}: "
            f"{getattr(exc, 'strerror', None) or type(exc).__name__}"
        ) from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise FileFormatError(f"table {str(path)!r} is empty; expected a header like 'T_K,D,D_err'")
    rows = list(csv.reader(lines))
    return [h.strip() for h in rows[0]], rows[1:]


def _column(header: list[str], rows: list[list[str]], name: str, path: Path) -> FloatArray:
    i = header.index(name)
    out = []
    for n, row in enumerate(rows, start=2):
        try:
            out.append(float(row[i]))
        except (IndexError, ValueError):
            raise FileFormatError(
                f"{path.name}: row {n}, column {name!r} is not a number"
            ) from None
    arr = np.asarray(out, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{path.name}: column {name!r} has non-finite values")
    return arr


def _temperatures(
    header: list[str], rows: list[list[str]], path: Path, allow_cold: bool
) -> FloatArray:
    if "T_K" in header and "T_C" in header:
        tk, tc = _column(header, rows, "T_K", path), _column(header, rows, "T_C", path)
        if not np.allclose(tk, tc + 273.15, atol=0.5, rtol=0):
            raise DataError(
                f"{path.name}: the T_K and T_C columns disagree (T_K != T_C + "
                "273.15); keep one of them"
            )
    if "T_K" in header:
        t = _column(header, rows, "T_K", path)
        if not allow_cold and np.any(t < COLD_LIMIT_K):
            raise InputError(
                f"{path.name}: T_K = {float(t.min()):g} K is below {COLD_LIMIT_K:g} K; looks like "
                "degrees C in the T_K column (rename it T_C, or pass --allow-cold)"
            )
        if np.any(t <= 0):
            raise DataError(f"{path.name}: T_K must be > 0 K")
        return t
    if "T_C" in header:
        t = _column(header, rows, "T_C", path) + 273.15
        if np.any(t <= 0):
            raise DataError(f"{path.name}: T_C below absolute zero")
        return t
    raise FileFormatError(
        f"{path.name}: expected a 'T_K' or 'T_C' column in the header row ({len(header)} columns)"
    )


def read_arrhenius_table(
    path: str | Path,
    *,
    density_cm3: float | None = None,
    charge: int = 1,
    allow_cold: bool = False,
) -> ArrheniusTable:
    """Read a CSV table (see module docstring); sigma columns need ``density_cm3`` (cm^-3)."""
    p = Path(path)
    header, rows = _read_rows(p)
    if not rows:
        raise InputError(f"{p.name}: no data rows; an Arrhenius fit needs >= 2 temperatures")
    t = _temperatures(header, rows, p, allow_cold)
    for col, err_col, unit in VALUE_COLUMNS:
        if col in header:
            d = _column(header, rows, col, p)
            err = _errors(header, rows, err_col, p)
            if np.any(d <= 0):
                raise DataError(f"{p.name}: {col} must be > 0 {unit}; got {float(d.min()):g}")
            return ArrheniusTable(t, d, err, col, str(p), unit)
    if "sigma" in header:
        if density_cm3 is None:
            raise InputError(f"{p.name}: a 'sigma' column needs a number density (--density)")
        s = _column(header, rows, "sigma", p)
        if np.any(s <= 0):
            raise DataError(f"{p.name}: sigma must be > 0 S/cm; got {float(s.min()):g}")
        d = nernst_einstein_d(s, t, density_cm3=density_cm3, charge=charge)
        err = _errors(header, rows, "sigma_err", p)
        if err is not None:
            err = err * d / s
        src = f"sigma (Nernst-Einstein, n = {density_cm3:.3g} cm^-3, z = {charge})"
        return ArrheniusTable(t, d, err, src, str(p))
    raise FileFormatError(
        f"{p.name}: expected a 'D', 'sigma', 'D_cm2_s', 'D_sigma_cm2_s' or "
        f"'k_cm_s' column in the header row ({len(header)} columns)"
    )


def _errors(header: list[str], rows: list[list[str]], name: str, p: Path) -> FloatArray | None:
    """The error column, or None when it is absent or every cell is empty (no errors)."""
    if name not in header:
        return None
    i = header.index(name)
    if all(i >= len(r) or not r[i].strip() for r in rows):
        return None
    return _column(header, rows, name, p)


def fit_arrhenius_table(
    path: str | Path,
    *,
    density_cm3: float | None = None,
    charge: int = 1,
    allow_cold: bool = False,
    reference_T_K: float | None = None,
    excess_scatter: str = "random_effects",
) -> ArrheniusResult:
    r"""Read ``path`` and fit it (see :func:`fit_arrhenius`); the label is the file name.

    The keyword form of :func:`tracerdiff.models.arrhenius_options.arrhenius_of_table` (the
    function the ``arrhenius`` command and a study's ``arrhenius`` analysis call).

    >>> import tempfile
    >>> from pathlib import Path
    >>> from tracerdiff import arrhenius_D
    >>> rows = [f"{t},{arrhenius_D(t, 0.05, 0.4):.6e}" for t in (300.0, 350.0, 400.0, 450.0)]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     table = Path(tmp) / "tracer.csv"
    ...     _ = table.write_text("T_K,D\n" + "\n".join(rows) + "\n")
    ...     fit = fit_arrhenius_table(table)
    >>> print(f"{fit.label}: Ea = {fit.ea_eV:.3f} eV, D0 = {fit.d0:.3g} cm^2/s")
    tracer: Ea = 0.400 eV, D0 = 0.05 cm^2/s
    """
    from .arrhenius_options import ArrheniusOptions, arrhenius_of_table

    options = ArrheniusOptions.model_validate(
        {
            "density_cm3": density_cm3,
            "charge": charge,
            "allow_cold": allow_cold,
            "reference_T_K": reference_T_K,
            "excess_scatter": excess_scatter,
        }
    )
    return cast(ArrheniusResult, arrhenius_of_table(path, options))
